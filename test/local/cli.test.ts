import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb-local.js';
import { startCli, waitFor } from './start-cli.js';

const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');

type Run = { status: number | null; stdout: string; stderr: string };

/** The test suite's environment without what points at its own DynamoDB Local and table. */
function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { DYNAMODB_ENDPOINT: _endpoint, TABLE_NAME: _table, ...env } = process.env;
  // As a user's shell has it: not inside an npm script (vitest may have been started by one).
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  return { ...env, ...extra };
}

/** Run a command-line tool of the project as a user would, without the test suite's environment. */
function run(script: string, args: string[]): Run {
  const result = spawnSync(tsx, [join(root, 'bin', script), ...args], {
    cwd: root,
    env: userEnvironment({ PORT: '1' }),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Run an npm script as a user would: `npm run [-s] <script> -- args`. */
function npm(npmArgs: string[], env: Record<string, string> = {}): Run {
  const result = spawnSync('npm', npmArgs, { cwd: root, env: userEnvironment(env), encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const STACK_TRACE = /^\s+at /m;

describe('the command-line tools', () => {
  it.each([
    ['start.ts', ['--help']],
    ['start.ts', ['-h']],
    ['simulate.ts', ['--help']],
    ['simulate.ts', ['-h']],
    ['bench.ts', ['--help']],
    ['bench.ts', ['-h']],
  ])('%s %j prints the usage and exits 0, starting nothing', (script, args) => {
    const { status, stdout, stderr } = run(script, args);
    expect({ status, stderr, usage: stdout.split('\n')[0] }).toEqual({ status: 0, stderr: '', usage: expect.stringMatching(/^Usage:/) });
  });

  it('npm start -- --help lists the environment it reads and the data folder', () => {
    const { status, stdout } = npm(['start', '--', '--help']);
    expect(status).toBe(0);
    for (const name of ['PORT', 'TWILIO_AUTH_TOKEN', 'DYNAMODB_ENDPOINT', 'TABLE_NAME', 'LOCAL_DATA_DIR', 'data folder', '--in-memory'])
      expect(stdout).toContain(name);
  });

  it.each([
    ['start.ts', ['--bogus'], "Unknown option '--bogus'. See --help."],
    ['simulate.ts', ['call', '--bogus'], "Unknown option '--bogus'. See --help."],
    ['simulate.ts', [], 'no command: call, scenario or load'],
    ['bench.ts', ['--bogus'], "Unknown option '--bogus'. See --help."],
  ])('%s %j is refused with one line naming what is wrong, then the usage, and exit code 2', (script, args, line) => {
    const { status, stdout, stderr } = run(script, args);
    expect({ status, stdout, first: stderr.split('\n')[0], usage: stderr.includes('\n\nUsage:'), trace: STACK_TRACE.test(stderr) }).toEqual(
      {
        status: 2,
        stdout: '',
        first: line,
        usage: true,
        trace: false,
      },
    );
  });

  it('a missing file is one line and exit code 2, not a stack trace', () => {
    const { status, stderr } = run('simulate.ts', ['load', 'no-such-file.json']);
    expect({ status, stderr: stderr.trim() }).toEqual({ status: 2, stderr: 'no-such-file.json: no such file.' });
  });

  it("npm prints its banner on stdout; npm run -s does not, so stdout is the tool's alone", () => {
    expect(npm(['run', 'simulate', '--', '--help']).stdout).toMatch(/^\n> twilio-queue-groups@[^ ]+ simulate\n/);
    expect(npm(['run', '-s', 'simulate', '--', '--help']).stdout).toMatch(/^Usage:/);
    expect(npm(['run', '-s', 'bench', '--', '--help']).stdout).toMatch(/^Usage:/);
  });

  it('npm run -s simulate -- call ... --json prints JSON on stdout alone; without -s the tool says why it is not', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-json-'));
    const port = await freePort();
    const stack = startCli({ PORT: String(port), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
    try {
      await waitFor(() => stack.output().includes('Ctrl-C stops everything'), 'the start-up banner', 120_000);
      const token = readFileSync(join(dataDir, 'auth-token'), 'utf8').trim();
      const call = async (npmArgs: string[]): Promise<Run> =>
        npm([
          ...npmArgs,
          'simulate',
          '--',
          'call',
          '--to',
          '+493000000001',
          '--json',
          '--base-url',
          `http://127.0.0.1:${port}`,
          '--auth-token',
          token,
          '--api-port',
          String(await freePort()),
        ]);
      const silent = await call(['run', '-s']);
      expect(silent.stderr).toBe('');
      expect(JSON.parse(silent.stdout)).toEqual(expect.objectContaining({ calls: [expect.objectContaining({ id: 'call' })] }));

      const loud = await call(['run']);
      expect(() => JSON.parse(loud.stdout) as unknown).toThrow();
      expect(loud.stderr).toContain('for JSON alone run npm run -s simulate -- ...');
    } finally {
      await stack.stop('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
