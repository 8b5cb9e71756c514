import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

/** `npm start`'s entry point as a user runs it, in its own process, for the tests in test/local/. */
export const root = join(import.meta.dirname, '..', '..');

export type Started = {
  pid: number;
  output: () => string;
  exited: Promise<number | null>;
  stop: (signal: NodeJS.Signals) => Promise<number | null>;
};

/**
 * The test process's environment points at the suite's DynamoDB Local and this file's table
 * (test/support/setup-env.ts): a start sees DYNAMODB_ENDPOINT and TABLE_NAME only when `env` gives them.
 */
export function startCli(env: Record<string, string>, args: string[] = []): Started {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited.DYNAMODB_ENDPOINT;
  delete inherited.TABLE_NAME;
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin', 'start.ts'), ...args], {
    cwd: root,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    stop: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type ProcessRow = { pid: number; ppid: number; args: string };

/** Every process on the machine, from `ps`. */
export function processTable(): ProcessRow[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), args: match[3] ?? '' }));
}

/** The processes below `pid` (its children, theirs, and so on). */
export function processesBelow(pid: number): ProcessRow[] {
  const rows = processTable();
  const found: ProcessRow[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const row of rows) {
      if (parents.has(row.ppid) && !parents.has(row.pid)) {
        parents.add(row.pid);
        found.push(row);
        grew = true;
      }
    }
  }
  return found;
}

/** The command lines of the processes below `pid` (its children, theirs, and so on). */
export function descendantsOf(pid: number): string[] {
  return processesBelow(pid).map((row) => row.args);
}

/** `npm start` itself, as a user runs it: npm, its shell, tsx and the Node process of bin/start.ts. */
export function startNpm(env: Record<string, string>): Started {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  delete inherited.DYNAMODB_ENDPOINT;
  delete inherited.TABLE_NAME;
  let output = '';
  const child = spawn('npm', ['start'], { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    stop: async (signal) => {
      child.kill(signal);
      return exited;
    },
  };
}
