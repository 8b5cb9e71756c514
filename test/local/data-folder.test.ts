import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../bin/local/dynamodb-local.js';
import { startCli, waitFor } from './start-cli.js';

/** The process ids of DynamoDB Local processes whose database lives in `dataDir` (so only this test's). */
function javaFor(dataDir: string): number[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('DynamoDBLocal.jar') && line.includes(dataDir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('npm start: one DynamoDB Local per data folder', () => {
  it('refuses a second start on the same data, and stops the DynamoDB Local a killed start left behind', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-lock-'));
    const first = startCli({ PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
    try {
      await waitFor(() => first.output().includes('Ctrl-C stops everything'), 'the first start-up banner');
      const [java] = javaFor(dataDir);
      expect(javaFor(dataDir)).toEqual([java]);

      const second = startCli({ PORT: String(await freePort()), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: '' });
      expect(await second.exited).not.toBe(0);
      expect(second.output()).toContain(`is in use by another npm start (process ${first.pid})`);
      expect(javaFor(dataDir)).toEqual([java]);

      // A start killed outright (no handler runs) leaves its Java behind ...
      await first.stop('SIGKILL');
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
