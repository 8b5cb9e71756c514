import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb-local.js';
import { root, startCli, waitFor } from './start-cli.js';

/** DynamoDB Local processes whose database lives in `dataDir` (so only this test's). */
function javaProcessesFor(dataDir: string): number {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(dataDir)).length;
}

describe('npm start (the local stack)', () => {
  it('serves signed voice webhooks and the admin API, keeps the token with the data, and leaves no Java behind on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-'));
    const port = await freePort();
    const stack = startCli({ PORT: String(port), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
    try {
      await waitFor(() => stack.output().includes('Ctrl-C stops everything'), 'the start-up banner');
      const token = readFileSync(join(dataDir, 'auth-token'), 'utf8').trim();
      expect(stack.output()).toContain(`http://127.0.0.1:${port}/voice/incoming`);
      expect(stack.output()).toContain(token);

      const created = await fetch(`http://127.0.0.1:${port}/admin/groups/support`, {
        method: 'PUT',
        body: JSON.stringify({ name: 'Support', members: [] }),
      });
      expect(created.status).toBe(201);
      await fetch(`http://127.0.0.1:${port}/admin/numbers/%2B493000000001`, { method: 'PUT', body: JSON.stringify({ group: 'support' }) });

      const params = { CallSid: 'CAlocal', From: '+15550001111', To: '+493000000001' };
      const url = `http://127.0.0.1:${port}/voice/incoming`;
      const answer = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams(params),
        headers: { 'x-twilio-signature': getExpectedTwilioSignature(token, url, params) },
      });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('<Record');
      const forged = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams(params),
        headers: { 'x-twilio-signature': getExpectedTwilioSignature('wrong', url, params) },
      });
      expect(forged.status).toBe(403);

      expect(javaProcessesFor(dataDir)).toBe(1);
      expect(await stack.stop('SIGTERM')).toBe(0);
      expect(javaProcessesFor(dataDir)).toBe(0);

      // Started again on the same data: the configuration and the token are still there.
      const again = startCli({ PORT: String(port), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
      try {
        await waitFor(() => again.output().includes('Ctrl-C stops everything'), 'the second start-up banner');
        expect(again.output()).toContain(token);
        expect((await fetch(`http://127.0.0.1:${port}/admin/groups/support`)).status).toBe(200);
        expect(await again.stop('SIGINT')).toBe(0);
      } finally {
        await again.stop('SIGKILL');
      }
      expect(javaProcessesFor(dataDir)).toBe(0);
    } finally {
      await stack.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says in one line what to do when the port is in use, and starts no Java', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-'));
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const stack = startCli({ PORT: String(port), LOCAL_DATA_DIR: dataDir });

      expect(await stack.exited).toBe(1);
      expect(stack.output().trim()).toBe(
        `Port ${port} is in use: stop what uses it, or start on another port with PORT=${port + 1} npm start`,
      );
      expect(javaProcessesFor(dataDir)).toBe(0);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('says in one line what to do when Java is missing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-'));
    const port = await freePort();
    try {
      const stack = startCli({ PORT: String(port), LOCAL_DATA_DIR: dataDir, PATH: join(root, 'node_modules', '.bin') });

      expect(await stack.exited).toBe(1);
      expect(stack.output().trim()).toBe(
        'Java 17 or newer is needed for DynamoDB Local: install it (e.g. `apt-get install openjdk-17-jre-headless`) and run again.',
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
