import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createLocalServer } from '../../bin/local/server.js';
import { configurationDocumentSchema } from '../../functions/admin/configuration.js';
import { handler as adminHandler } from '../../functions/handlers/admin.js';
import { handler as voiceHandler } from '../../functions/handlers/voice.js';
import { admin } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

/** `npm run config`: export and apply through the local server, run as a user runs it. */

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const example = join(root, 'examples', 'acme.json');

let server: Server;
let adminUrl: string;
const folder = mkdtempSync(join(tmpdir(), 'config-cli-'));

function config(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const { DYNAMODB_ENDPOINT: _endpoint, TABLE_NAME: _table, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(root, 'bin', 'config.ts'), ...args],
      { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ status: error === null ? 0 : Number((error as { code?: number }).code ?? -1), stdout, stderr }),
    );
  });
}

describe('npm run config', () => {
  beforeAll(async () => {
    await createTestTable();
    server = createLocalServer({ voice: voiceHandler, admin: adminHandler });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('applies a file: prints the diff, then the new version', async () => {
    const { status, stdout, stderr } = await config(['apply', example, '--admin-url', adminUrl]);
    expect({ status, stderr }).toEqual({ status: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('+ user anna');
    expect(lines).toContain('    name "Anna Schmidt"');
    expect(lines).toContain('+ group support');
    expect(lines.at(-1)).toMatch(/^applied: the configuration is now at version \d+$/);
  });

  it('exports as YAML and JSON; applying an export changes nothing', async () => {
    const yamlFile = join(folder, 'company.yaml');
    const jsonFile = join(folder, 'company.json');
    expect((await config(['export', yamlFile, '--admin-url', adminUrl])).status).toBe(0);
    expect((await config(['export', jsonFile, '--admin-url', adminUrl])).status).toBe(0);
    const expected = configurationDocumentSchema.parse(JSON.parse(readFileSync(example, 'utf8')));
    expect(parseYaml(readFileSync(yamlFile, 'utf8'))).toEqual(expected);
    expect(JSON.parse(readFileSync(jsonFile, 'utf8'))).toEqual(expected);
    const before = await tableSnapshot();
    const { status, stdout } = await config(['apply', yamlFile, '--admin-url', adminUrl]);
    expect(status).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      'no changes: the configuration is already as the file says',
      ...stdout
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('warning: ')),
      'nothing written: the configuration was already as the file says',
    ]);
    expect(await tableSnapshot()).toEqual(before);
  });

  it('--dry-run shows the changes and writes nothing; --json prints the answer alone on stdout', async () => {
    const changed = JSON.parse(readFileSync(example, 'utf8')) as { groups: Record<string, Record<string, unknown>> };
    changed.groups.sales = { ...changed.groups.sales, rings: 6 };
    const file = join(folder, 'changed.json');
    writeFileSync(file, JSON.stringify(changed));
    const before = await tableSnapshot();
    const dry = await config(['apply', file, '--dry-run', '--admin-url', adminUrl]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('~ group sales\n    rings: 4 -> 6\n');
    expect(dry.stdout.trim().split('\n').at(-1)).toBe('dry run: nothing was written');
    const json = await config(['apply', file, '--dry-run', '--json', '--admin-url', adminUrl]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      applied: false,
      dryRun: true,
      changes: [{ action: 'update', kind: 'group', id: 'sales' }],
    });
    expect(await tableSnapshot()).toEqual(before);
  });

  it('a bad file lists every problem, exits 1 and writes nothing', async () => {
    const file = join(folder, 'bad.yaml');
    writeFileSync(
      file,
      'users:\n  anna: { name: Anna, extension: "101" }\n  ben: { name: Ben, extension: "101" }\ngroups:\n  support: { name: Support, members: [anna, zoe] }\nnumbers:\n  "+493012345678": { group: ghost }\n',
    );
    const before = await tableSnapshot();
    const { status, stdout, stderr } = await config(['apply', file, '--admin-url', adminUrl]);
    expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
    expect(stderr.trim().split('\n')).toEqual([
      'the configuration is invalid; nothing was written',
      '  $.users.ben.extension: extension 101 is already used by user anna',
      '  $.groups.support.members[1]: names user zoe, which is not in users',
      '  $.numbers.+493012345678.group: names group ghost, which is not in groups',
    ]);
    expect(await tableSnapshot()).toEqual(before);
    expect((await admin('GET', '/groups/support')).statusCode).toBe(200);
  });

  it.each([
    [['--help'], 0, /^Usage:/],
    [['apply', example, '--bogus'], 2, /^Unknown option '--bogus'\. See --help\.$/],
    [['apply'], 2, /^apply needs a configuration file\. See --help\.$/],
    [['apply', join(folder, 'missing.json')], 2, /missing\.json: no such file\.$/],
  ])('config %j exits %i with one line', async (args, code, line) => {
    const { status, stdout, stderr } = await config(args);
    expect(status).toBe(code);
    const text = (code === 0 ? stdout : stderr).trim();
    expect(code === 0 ? text.split('\n')[0] : text).toMatch(line);
  });

  it('says which admin API it cannot reach, in one line', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const { status, stderr } = await config(['export', '--admin-url', `http://127.0.0.1:${port}/admin`]);
    expect({ status, stderr: stderr.trim() }).toEqual({
      status: 2,
      stderr: `cannot reach the admin API at http://127.0.0.1:${port}/admin (ECONNREFUSED); is npm start running?`,
    });
  });
});
