import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb-local.js';
import { processesBelow, processTable, startNpm, waitFor } from './start-cli.js';

/**
 * `npm start` is npm, npm's script shell, tsx, the Node process of bin/start.ts and Java. Whichever of
 * them a signal is sent to, all of them end and the port is free again (bin/local/launchers.ts says
 * what each passes on).
 */
type Role = 'npm' | 'tsx' | 'node' | 'java';

function roleOf(args: string): Role | 'shell' | undefined {
  if (args.includes('DynamoDBLocal')) return 'java';
  if (args.includes('preflight.cjs') && args.includes('bin/start.ts')) return 'node';
  if (/\/tsx\s+bin\/start\.ts/.test(args)) return 'tsx';
  if (/\bsh -c /.test(args)) return 'shell';
  return undefined;
}

/** Which of `pids` still run (a zombie waiting for its parent does not count). */
function running(pids: number[]): number[] {
  const live = new Set(
    processTable()
      .filter((row) => !row.args.includes('<defunct>'))
      .map((row) => row.pid),
  );
  return pids.filter((pid) => live.has(pid));
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('npm start stops everything, whichever of its processes is signalled', () => {
  it.each<[NodeJS.Signals, Role]>([
    ['SIGTERM', 'npm'],
    ['SIGHUP', 'npm'],
    ['SIGTERM', 'tsx'],
    ['SIGHUP', 'tsx'],
    ['SIGINT', 'node'],
    ['SIGKILL', 'node'],
  ])(
    '%s to the %s process leaves no process and a free port',
    async (signal, target) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-signals-'));
      const port = await freePort();
      const start = startNpm({ PORT: String(port), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
      let pids: number[] = [start.pid];
      try {
        await waitFor(() => start.output().includes('Ctrl-C stops everything'), 'the start-up banner', 120_000);
        const below = processesBelow(start.pid);
        pids = [start.pid, ...below.map((row) => row.pid)];
        const roles = new Map<Role | 'shell' | undefined, number>(below.map((row) => [roleOf(row.args), row.pid]));
        roles.set('npm', start.pid);
        // Others may come and go (tsx's esbuild service): they are watched as well, through `pids`.
        expect([...roles.keys()].filter((role) => role !== 'shell' && role !== undefined).sort()).toEqual(['java', 'node', 'npm', 'tsx']);
        expect(below.find((row) => row.pid === roles.get('java'))?.args).toContain(dataDir);

        process.kill(roles.get(target) ?? -1, signal);

        await waitFor(() => running(pids).length === 0, 'every process of the start to end', 60_000);
        await start.exited;
        expect({ running: running(pids), portFree: await portFree(port) }).toEqual({ running: [], portFree: true });
        expect(processTable().filter((row) => row.args.includes(dataDir))).toEqual([]);
      } finally {
        for (const pid of running(pids)) process.kill(pid, 'SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
