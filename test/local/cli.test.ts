import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

/** Run a command-line tool of the project as a user would, without the test suite's environment. */
function run(script: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { DYNAMODB_ENDPOINT: _endpoint, TABLE_NAME: _table, ...env } = process.env;
  const result = spawnSync(tsx, [join(root, 'bin', script), ...args], {
    cwd: root,
    env: { ...env, PORT: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the command-line tools', () => {
  it.each([
    ['simulate.ts', ['--help']],
    ['simulate.ts', ['-h']],
    ['bench.ts', ['--help']],
  ])('%s %s prints the usage and exits 0, starting nothing', (script, args) => {
    const { status, stdout, stderr } = run(script, args);
    expect({ status, stderr, usage: stdout.split('\n')[0] }).toEqual({ status: 0, stderr: '', usage: expect.stringMatching(/^Usage:/) });
  });

  it.each([
    ['simulate.ts', ['call', '--bogus'], "Unknown option '--bogus'. See --help."],
    ['bench.ts', ['--bogus'], "Unknown option '--bogus'. See --help."],
    ['simulate.ts', ['load', 'no-such-file.json'], 'no-such-file.json: no such file.'],
  ])('%s %s fails with one line naming what is wrong, not a stack trace', (script, args, line) => {
    const { status, stderr } = run(script, args);
    expect({ status, stderr: stderr.trim() }).toEqual({ status: 2, stderr: line });
  });
});
