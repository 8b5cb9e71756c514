import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DescribeTableCommand, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, inject, it } from 'vitest';
import { freePort, localClient } from '../../bin/local/dynamodb-local.js';
import { descendantsOf, root, startCli, waitFor } from './start-cli.js';

/**
 * `npm start` with DYNAMODB_ENDPOINT: the suite's DynamoDB Local (test/support/global-setup.ts) stands
 * for an existing DynamoDB. The start creates its table there, serves from it, and starts and stops
 * nothing of DynamoDB Local: no Java below it, none on its PATH, no database folder.
 */
const endpoint = inject('dynamoEndpoint');
// Node and tsx only: a start that needed Java would fail.
const NO_JAVA_PATH = join(root, 'node_modules', '.bin');

describe('npm start with DYNAMODB_ENDPOINT and TABLE_NAME', () => {
  it('creates the table on the given endpoint, answers a signed webhook from it, and starts no DynamoDB Local', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-'));
    const tableName = `start-${randomBytes(6).toString('hex')}`;
    const port = await freePort();
    const token = randomBytes(16).toString('hex');
    const dynamo = localClient(endpoint);
    const stack = startCli({
      PORT: String(port),
      LOCAL_DATA_DIR: dataDir,
      TWILIO_AUTH_TOKEN: token,
      DYNAMODB_ENDPOINT: endpoint,
      TABLE_NAME: tableName,
      PATH: NO_JAVA_PATH,
    });
    try {
      await waitFor(() => stack.output().includes('Ctrl-C stops'), 'the start-up banner');
      expect(stack.output()).toContain(
        `DynamoDB        ${endpoint}  table ${tableName} (created now); from DYNAMODB_ENDPOINT, no DynamoDB Local started`,
      );
      expect((await dynamo.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus).toBe('ACTIVE');

      const admin = `http://127.0.0.1:${port}/admin`;
      expect(
        (await fetch(`${admin}/groups/support`, { method: 'PUT', body: JSON.stringify({ name: 'Support', members: [] }) })).status,
      ).toBe(201);
      expect(
        (await fetch(`${admin}/numbers/%2B493000000001`, { method: 'PUT', body: JSON.stringify({ group: 'support' }) })).status,
      ).toBeLessThan(300);
      const params = { CallSid: 'CAexternal', From: '+15550001111', To: '+493000000001' };
      const url = `http://127.0.0.1:${port}/voice/incoming`;
      const answer = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams(params),
        headers: { 'x-twilio-signature': getExpectedTwilioSignature(token, url, params) },
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('<Record');
      // What it served came from, and went to, the given table.
      const items = (await dynamo.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? [];
      const stored = items.map((item) => JSON.stringify(item));
      expect(stored).toContainEqual(expect.stringContaining('CAexternal'));
      expect(stored).toContainEqual(expect.stringContaining('Support'));

      expect(descendantsOf(stack.pid).filter((args) => args.includes('DynamoDBLocal.jar') || /\bjava\b/.test(args))).toEqual([]);
      expect(readdirSync(dataDir)).not.toContain('dynamodb');

      expect(await stack.stop('SIGTERM')).toBe(0);
      // Nothing of the given DynamoDB was stopped or removed.
      expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toContain(tableName);

      // A second start finds the table and the configuration there.
      const again = startCli({
        PORT: String(port),
        LOCAL_DATA_DIR: dataDir,
        TWILIO_AUTH_TOKEN: token,
        DYNAMODB_ENDPOINT: endpoint,
        TABLE_NAME: tableName,
        PATH: NO_JAVA_PATH,
      });
      try {
        await waitFor(() => again.output().includes('Ctrl-C stops'), 'the second start-up banner');
        expect(again.output()).toContain(`table ${tableName} (existing)`);
        expect((await fetch(`${admin}/groups/support`)).status).toBe(200);
        expect(await again.stop('SIGINT')).toBe(0);
      } finally {
        await again.stop('SIGKILL');
      }
    } finally {
      await stack.stop('SIGKILL');
      await dynamo.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      dynamo.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says in one line when the endpoint does not answer, and starts no Java', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-'));
    const [port, nothing] = [await freePort(), await freePort()];
    try {
      const stack = startCli({
        PORT: String(port),
        LOCAL_DATA_DIR: dataDir,
        DYNAMODB_ENDPOINT: `http://127.0.0.1:${nothing}`,
        PATH: NO_JAVA_PATH,
      });

      expect(await stack.exited).toBe(1);
      const lines = stack.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^DynamoDB at http://127\\.0\\.0\\.1:${nothing} \\(DYNAMODB_ENDPOINT\\) could not create or read table queue-groups: .*unset DYNAMODB_ENDPOINT to use DynamoDB Local\\.$`,
        ),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('lists the environment variables under --help', async () => {
    const help = startCli({}, ['--help']);

    expect(await help.exited).toBe(0);
    for (const name of ['PORT', 'TWILIO_AUTH_TOKEN', 'LOCAL_DATA_DIR', 'DYNAMODB_ENDPOINT', 'TABLE_NAME'])
      expect(help.output()).toContain(name);
  });
});
