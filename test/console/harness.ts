import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from '../../bin/local/dynamodb-local.js';
import { DEFAULT_ACCOUNT_SID } from '../../bin/simulator/defaults.js';
import { Simulation, type Behaviours, type CallResult, type CallerScript, type Transport } from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { httpTransport } from '../../bin/simulator/transport.js';
import { startCli, waitFor, type Started } from '../local/start-cli.js';

/**
 * One local stack (`npm start -- --in-memory`'s entry point in its own process, on free ports), the
 * simulator's fake Twilio REST API in this process (where the stack's TWILIO_API_BASE_URL points), and
 * one headless Chromium (Debian's), for every browser test of a file.
 */

export type Gate = { held: Promise<void>; release: () => void };

export type ConsoleHarness = {
  /** Where the browser opens the console. */
  consoleUrl: string;
  /** Who serves the console's files: the stack itself, or this harness beside a stack that does not yet. */
  /** The stack's admin API, to check what the forms wrote. */
  adminUrl: string;
  browser: Browser;
  /** Plays calls on the simulator against the stack; `devices` by device address. */
  call: (callers: CallerScript[], devices?: Behaviours) => Promise<CallResult[]>;
  /**
   * Holds the next webhook that `matches` until `release()`: the simulator's clock waits for it, so
   * the call stands still in real time (e.g. while a member's phone rings) for the browser to see.
   */
  holdNext: (matches: (request: Parameters<Transport>[0]) => boolean) => Gate;
  admin: <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
  stop: () => Promise<void>;
};

export async function startConsoleHarness(): Promise<ConsoleHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'queue-groups-console-'));
  const [port, apiPort] = [await freePort(), await freePort()];
  const authToken = randomBytes(16).toString('hex');
  const stackUrl = `http://127.0.0.1:${port}`;

  type Waiting = { matches: (request: Parameters<Transport>[0]) => boolean; reached: () => void; open: Promise<void>; release: () => void };
  const gates: Waiting[] = [];
  const opened: (() => void)[] = [];
  const transport: Transport = async (request) => {
    const index = gates.findIndex((gate) => gate.matches(request));
    const gate = index < 0 ? undefined : gates.splice(index, 1)[0];
    if (gate !== undefined) {
      opened.push(gate.release);
      gate.reached();
      await gate.open;
    }
    return httpTransport(request);
  };
  const simulation = new Simulation({ baseUrl: stackUrl, authToken, accountSid: DEFAULT_ACCOUNT_SID, transport, devices: {} });
  const api = new FakeTwilioApi(simulation, { accountSid: DEFAULT_ACCOUNT_SID, authToken });
  await api.listen(apiPort);

  let stack: Started | undefined;
  let browser: Browser | undefined;
  try {
    stack = startCli(
      { PORT: String(port), LOCAL_DATA_DIR: dataDir, TWILIO_AUTH_TOKEN: authToken, TWILIO_API_BASE_URL: api.url, LOG_LEVEL: 'silent' },
      ['--in-memory'],
    );
    const started = stack;
    await waitFor(
      () => started.output().includes('Ctrl-C stops everything') || started.output().includes('Error'),
      'the local stack',
      120_000,
    );
    if (!started.output().includes('Ctrl-C stops everything')) throw new Error(`the local stack did not start:\n${started.output()}`);
    // The stack builds the console at start and serves it with its config.json (bin/local/server.ts).
    const config = await fetch(`${stackUrl}/config.json`);
    if (!config.ok) throw new Error(`the local stack does not serve the console: /config.json answered ${config.status}`);
    const consoleUrl = `${stackUrl}/`;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    const openBrowser = browser;
    return {
      consoleUrl,
      adminUrl: `${stackUrl}/admin`,
      browser: openBrowser,
      call: async (callers, devices = {}) => {
        const scripts = callers.map((caller) => ({ ...caller, devices: { ...devices, ...caller.devices } }));
        return simulation.run(scripts);
      },
      holdNext: (matches) => {
        let reached = (): void => {};
        let release = (): void => {};
        const held = new Promise<void>((resolve) => (reached = resolve));
        const open = new Promise<void>((resolve) => (release = resolve));
        gates.push({ matches, reached, open, release });
        return { held, release };
      },
      admin: async (method, path, body) => {
        const response = await fetch(`${stackUrl}/admin${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        });
        const text = await response.text();
        return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as never };
      },
      stop: async () => {
        for (const release of [...opened, ...gates.splice(0).map((gate) => gate.release)]) release();
        await openBrowser.close();
        await started.stop('SIGTERM');
        await api.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    if (stack !== undefined) await stack.stop('SIGTERM');
    await api.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
