import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { deployedBundleOptions } from '../../lib/bundling.js';
import { ensureTable } from '../local/dynamodb-local.js';
import { toLambdaEvent } from '../local/lambda-event.js';

/**
 * Fresh Node processes running the deployed bundles (lib/bundling.ts) against DynamoDB Local, for
 * the cold-start and memory figures (bin/bench/cold-start.ts, bin/bench/memory.ts): a Lambda
 * instance is one process that imports the bundle once and then answers one webhook at a time.
 */

export type Report = (figure: string, fields: Record<string, unknown>) => void;
export type FreshProcessOptions = { dynamoEndpoint: string; tableName: string; runs?: number };

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const TOKEN = 'bench-fresh-process-token';
const HOST = 'bench.example';

/** The configuration the webhooks find: one number into an evenly group of two members. */
export const BENCH_NUMBER = '+4930000901';
const GROUP = 'cold-start';
const MEMBERS = ['cold-start-1', 'cold-start-2'];

/** What the runner reports per handled event. */
export type EventResult = { status: number; endMs: number; wallMs: number; cpuMicros: number; body?: string };
/** What one fresh process reports. */
export type RunResult = {
  /** Milliseconds from the process's time origin to the runner's first line: Node's own start. */
  bootMs: number;
  /** performance.now() once the bundle was imported. */
  importedMs: number;
  /** CPU (user + system) the process had used once the bundle was imported, in microseconds. */
  importCpuMicros: number;
  results: EventResult[];
  /** Peak resident set size of the process, in kilobytes (process.resourceUsage().maxRSS). */
  maxRssKb: number;
};

/**
 * The runner each fresh process executes: import the bundle, hand it the events one after another
 * (as Lambda does on one instance), then print one line with the timings. performance.now() counts
 * from the process's time origin, so `endMs` of the first event is start-to-first-answer.
 */
const RUNNER = `import { readFileSync } from 'node:fs';
const bootMs = performance.now();
const [bundle, eventsFile] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsFile, 'utf8'));
const { handler } = await import(bundle);
const importedMs = performance.now();
const importCpu = process.cpuUsage();
const context = { functionName: 'bench', getRemainingTimeInMillis: () => 10000, callbackWaitsForEmptyEventLoop: false };
const results = [];
for (const [index, event] of events.entries()) {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = await handler(event, context);
  const endMs = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  const status = result.statusCode ?? 200;
  results.push({ status, endMs, wallMs: endMs - start, cpuMicros: cpu.user + cpu.system, ...(index === 0 || status >= 300 ? { body: result.body } : {}) });
}
const maxRssKb = process.resourceUsage().maxRSS;
process.stdout.write('\\n@@result ' + JSON.stringify({ bootMs, importedMs, importCpuMicros: importCpu.user + importCpu.system, results, maxRssKb }) + '\\n');
`;

/** The deployed bundles in a temporary directory, with the runner. `dispose()` removes them. */
export type Bundles = { dir: string; voice: string; admin: string; reference: string; dispose: () => void };

export async function buildBundles(): Promise<Bundles> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fresh-'));
  const bundles = {
    voice: join(dir, 'voice.mjs'),
    admin: join(dir, 'admin.mjs'),
    reference: join(dir, 'reference.mjs'),
  };
  await Promise.all([
    build(deployedBundleOptions(join(root, 'functions', 'handlers', 'voice.ts'), bundles.voice)),
    build(deployedBundleOptions(join(root, 'functions', 'handlers', 'admin.ts'), bundles.admin)),
    build(deployedBundleOptions(join(root, 'bin', 'bench', 'cold-start-reference.ts'), bundles.reference)),
  ]);
  writeFileSync(join(dir, 'runner.mjs'), RUNNER);
  return { dir, ...bundles, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a Lambda instance, and nothing of this machine's (no AWS profile). */
export function childEnvironment(options: FreshProcessOptions): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    TABLE_NAME: options.tableName,
    DYNAMODB_ENDPOINT: options.dynamoEndpoint,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    TWILIO_AUTH_TOKEN: TOKEN,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // The item the reference handler reads (bin/bench/cold-start-reference.ts).
    BENCH_NUMBER,
  };
}

let eventFiles = 0;

/** Run `bundle` in a fresh Node process on `events`; rejects when any event is not answered 2xx. */
export async function runFresh(bundles: Bundles, bundle: string, events: readonly unknown[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const eventsFile = join(bundles.dir, `events-${(eventFiles += 1)}.json`);
  writeFileSync(eventsFile, JSON.stringify(events));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [join(bundles.dir, 'runner.mjs'), pathToFileURL(bundle).href, eventsFile],
      { cwd: bundles.dir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, out, err) => (error === null ? resolve(out) : reject(new Error(`${bundle}: ${error.message}\n${err}`))),
    );
  });
  rmSync(eventsFile, { force: true });
  const line = stdout.split('\n').find((text) => text.startsWith('@@result '));
  if (line === undefined) throw new Error(`${bundle}: no result in ${stdout}`);
  const run = JSON.parse(line.slice('@@result '.length)) as RunResult;
  const failed = run.results.find((result) => result.status >= 300);
  if (failed !== undefined) throw new Error(`${bundle}: answered ${failed.status}: ${failed.body ?? ''}`);
  return run;
}

/** An admin API request as its function URL hands it to Lambda. */
function adminPut(path: string, body: unknown): APIGatewayProxyEventV2 {
  return toLambdaEvent({
    method: 'PUT',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Create the table and put the number, group and members in through the bundled admin function. */
export async function seedConfiguration(bundles: Bundles, options: FreshProcessOptions): Promise<void> {
  await ensureTable(options.dynamoEndpoint, options.tableName);
  const events = [
    ...MEMBERS.map((id, index) =>
      adminPut(`/users/${id}`, { name: id, extension: `90${index}`, devices: [{ type: 'client', identity: id }] }),
    ),
    adminPut(`/groups/${GROUP}`, { name: 'Cold start', members: MEMBERS, distribution: 'evenly' }),
    adminPut(`/numbers/${BENCH_NUMBER}`, { group: GROUP }),
  ];
  await runFresh(bundles, bundles.admin, events, childEnvironment(options));
}

/** A signed Twilio webhook to /voice/<route> as API Gateway (HTTP API) hands it to the voice function. */
export function signedWebhook(route: string, params: Record<string, string>): APIGatewayProxyEventV2 {
  const url = `https://${HOST}/voice/${route}`;
  return toLambdaEvent({
    method: 'POST',
    rawPath: `/voice/${route}`,
    rawQueryString: '',
    headers: {
      host: HOST,
      'x-forwarded-proto': 'https',
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(TOKEN, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}

/**
 * One whole short call as two webhooks: the incoming call (offered to a member) and its end (which
 * frees the member again, so every call finds the same state). Call SIDs are unique per bench run.
 */
export function callWebhooks(): [APIGatewayProxyEventV2, APIGatewayProxyEventV2] {
  const callSid = `CA${randomBytes(16).toString('hex')}`;
  const base = { CallSid: callSid, AccountSid: `AC${'0'.repeat(32)}`, From: '+15550001111', To: BENCH_NUMBER };
  return [
    signedWebhook('incoming', { ...base, CallStatus: 'ringing' }),
    signedWebhook('status', { ...base, CallStatus: 'completed', CallDuration: '5' }),
  ];
}

/** Checks that an incoming webhook did the real work: it offered the call to a member (<Dial>). */
export function assertOffered(result: EventResult | undefined): void {
  if (result === undefined || !/<Dial[\s>]/.test(result.body ?? ''))
    throw new Error(`the incoming webhook did not offer the call: ${result?.body ?? 'no answer'}`);
}
