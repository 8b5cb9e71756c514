import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { cliErrorLine, isOptionError, reportCliError, warnOfNpmBanner } from './cli.js';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { deployedBundleOptions } from '../lib/bundling.js';
import { burstFigures, type BurstOptions } from './bench/burst.js';
import { coldStartFigures } from './bench/cold-start.js';
import { putAdmin, signedVoicePost } from './bench/in-process.js';
import { startLatencyProxy } from './bench/latency-proxy.js';
import { memoryFigures } from './bench/memory.js';
import { installMeter } from './bench/request-meter.js';
import { webhookFigures as perWebhook } from './bench/webhooks.js';
import { wholeCallFigures } from './bench/whole-calls.js';
import { ensureTable, freePort, startDynamoDbLocal } from './local/dynamodb-local.js';
import { DEFAULT_ACCOUNT_SID } from './simulator/defaults.js';
import { median, percentile, round } from './bench/stats.js';

/**
 * `npm run bench`: prints one JSON line per figure. It reports; it does not pass or fail.
 *   bundle sizes (minified as the CDK stack bundles them), handler import times in fresh processes
 *   beside require('twilio'), DynamoDB requests per webhook, and handler latency over many calls.
 *   Then the burst figure (bin/bench/burst.ts): BENCH_BURST_CALLS callers at the same second into one
 *   evenly group of BENCH_BURST_MEMBERS members, played by the call simulator's engine against the
 *   voice handler in this process (its fake REST API on a free port), once with `voicemail` and once
 *   with `wait-for-agent` (maxWaitSeconds ten times the callers' patience) as the missed-call action.
 *   Devices answer 1 to 10 s into each ring (seeded), members talk BENCH_BURST_TALK_SECONDS, callers
 *   hang up BENCH_BURST_PATIENCE_SECONDS after they called. One `burst` line per run (apologies, double offers, failed conditional writes per incoming
 *   call, offers per member, outcomes, wall time) and one `burst_detail` line with the evidence.
 * Options (environment): BENCH_CALLS (default 1000), BENCH_IMPORT_RUNS (default 9); BENCH_BURST=0 skips
 *   the burst figure; BENCH_BURST_CALLS (default 200), BENCH_BURST_MEMBERS (default 5),
 *   BENCH_BURST_SEED (default 1), BENCH_BURST_TALK_SECONDS (default 60), BENCH_BURST_PATIENCE_SECONDS
 *   (simulated, default 600), BENCH_BURST_HOLD_SECONDS (one play of the hold music, after which a
 *   waiting caller's waitUrl is requested again; default 60), BENCH_BURST_CONCURRENCY (webhooks in
 *   flight at once, default 25; 0 for no limit). The webhooks all share the store's one DynamoDB
 *   client in this process, whose 50 sockets and 300 ms connection timeout (counting the wait for a
 *   socket) fail requests once more than about 50 are in flight, which a Lambda instance, one webhook
 *   at a time, never sees; `otherDynamoErrors` in the figure shows when that happened.
 */
const root = join(fileURLToPath(import.meta.url), '..', '..');
const outDir = join(root, '.bench');
const CALLS = Number(process.env.BENCH_CALLS ?? '1000');
const IMPORT_RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? '9');
const HANDLERS = ['voice', 'admin'] as const;
const BURST = process.env.BENCH_BURST !== '0';
const SLOPES = process.env.BENCH_SLOPE !== '0';
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? '11');
const BURST_OPTIONS: BurstOptions = {
  calls: Number(process.env.BENCH_BURST_CALLS ?? '200'),
  members: Number(process.env.BENCH_BURST_MEMBERS ?? '5'),
  seed: Number(process.env.BENCH_BURST_SEED ?? '1'),
  talkSeconds: Number(process.env.BENCH_BURST_TALK_SECONDS ?? '60'),
  patienceSeconds: Number(process.env.BENCH_BURST_PATIENCE_SECONDS ?? '600'),
  concurrency: Number(process.env.BENCH_BURST_CONCURRENCY ?? '25'),
  holdSeconds: Number(process.env.BENCH_BURST_HOLD_SECONDS ?? '60'),
};

function report(figure: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ figure, ...fields }));
}

/** Bundle each handler exactly as lib/app-function.ts has the CDK bundle it. */
async function bundleSizes(): Promise<Record<string, string>> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const name of HANDLERS) {
    const outfile = join(outDir, `${name}.mjs`);
    await build(deployedBundleOptions(join(root, 'functions', 'handlers', `${name}.ts`), outfile));
    const code = readFileSync(outfile);
    report('bundle_size', { function: name, minifiedBytes: code.length, gzipBytes: gzipSync(code).length });
    files[name] = outfile;
  }
  return files;
}

/** Milliseconds to load `target` in a fresh Node process (what a cold start pays for the module). */
function importMillis(target: string, how: 'import' | 'require'): number {
  const load = how === 'import' ? `await import(${JSON.stringify(pathToFileURL(target).href)})` : `require(${JSON.stringify(target)})`;
  const script = `const t=performance.now();${load};process.stdout.write(String(performance.now()-t))`;
  const env = {
    ...process.env,
    TABLE_NAME: 'bench',
    AWS_REGION: 'eu-central-1',
    TWILIO_AUTH_TOKEN: 'bench',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const args = how === 'import' ? ['--input-type=module', '-e', script] : ['-e', script];
  return Number(execFileSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' }));
}

function importTimes(files: Record<string, string>): void {
  const targets: [string, string, 'import' | 'require'][] = [
    ...Object.entries(files).map(([name, file]): [string, string, 'import'] => [name, file, 'import']),
    ['require(twilio)', 'twilio', 'require'],
  ];
  const samples = new Map<string, number[]>(targets.map(([name]) => [name, []]));
  // Interleaved so that machine noise hits every target alike.
  for (let run = 0; run < IMPORT_RUNS; run += 1)
    for (const [name, target, how] of targets) samples.get(name)?.push(importMillis(target, how));
  for (const [name] of targets)
    report('import_time', { module: name, medianMs: round(median(samples.get(name) ?? [])), runs: IMPORT_RUNS });
}

async function webhookFigures(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  // Every request of the handlers goes through the proxy, which delays it when a latency slope is measured.
  const proxy = await startLatencyProxy(dynamo.endpoint);
  try {
    const token = 'bench-auth-token';
    // The handlers read their environment once at import: the burst figure's fake Twilio REST API
    // will listen on this port.
    const apiPort = await freePort();
    Object.assign(process.env, {
      TABLE_NAME: 'bench',
      DYNAMODB_ENDPOINT: proxy.endpoint,
      AWS_REGION: 'local',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TWILIO_AUTH_TOKEN: token,
      TWILIO_API_BASE_URL: `http://127.0.0.1:${apiPort}`,
      TWILIO_ACCOUNT_SID: DEFAULT_ACCOUNT_SID,
      // As the stack sets it for the admin function: a member back from away is offered the waiting caller at once.
      VOICE_BASE_URL: 'https://bench.example/voice/',
      LOG_LEVEL: 'silent',
    });
    await ensureTable(dynamo.endpoint, 'bench');
    const [{ handler: voice }, { handler: admin }, { documentClient }] = await Promise.all([
      import('../functions/handlers/voice.js'),
      import('../functions/handlers/admin.js'),
      import('../functions/store/client.js'),
    ]);
    installMeter(documentClient, { images: true });
    await perWebhook({ voice, admin, authToken: token, proxy, report, slopes: SLOPES });
    await wholeCallFigures({ voice, admin, documentClient, authToken: token, apiPort, report });

    const put = (path: string, body: unknown): Promise<void> => putAdmin(admin, path, body);
    const members = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const id of members)
      await put(`/users/${id}`, { name: id, extension: `1${id.slice(1)}`, devices: [{ type: 'client', identity: id }] });
    for (const distribution of ['evenly', 'in-order', 'all-at-once']) {
      await put(`/groups/${distribution}`, { name: distribution, members, distribution });
    }
    await put('/numbers/+4930000001', { group: 'evenly' });
    await put('/numbers/+4930000002', { group: 'in-order' });
    await put('/numbers/+4930000003', { group: 'evenly', extensions: true, greeting: { say: 'Hello' } });

    const post = signedVoicePost(voice, token);
    const actionOf = (twiml: string): string => {
      const action = /<Dial action="([^"]+)"/.exec(twiml)?.[1];
      if (action === undefined) throw new Error(`no offer in ${twiml}`);
      return `/voice/${action.replaceAll('&amp;', '&')}`;
    };

    let sequence = 0;
    const callSid = (): string => `CA${String((sequence += 1)).padStart(32, '0')}`;

    // Latency: CALLS whole calls, one after another: incoming, the first member does not answer, the
    // second answers and hangs up, the call ends. Each call ends its offers, so the members are free
    // for the next one, as in a real day.
    for (const [label, to] of [
      ['evenly', '+4930000001'],
      ['in-order', '+4930000002'],
    ] as const) {
      const timings = { incoming: [] as number[], noAnswer: [] as number[], answered: [] as number[], status: [] as number[] };
      const timed = async (into: number[], run: () => Promise<string>): Promise<string> => {
        const start = performance.now();
        const result = await run();
        into.push(performance.now() - start);
        return result;
      };
      for (let index = 0; index < CALLS; index += 1) {
        const callId = callSid();
        const params = { CallSid: callId, From: '+15550001111', To: to, CallStatus: 'ringing' };
        const first = await timed(timings.incoming, () => post('/voice/incoming', params));
        const second = await timed(timings.noAnswer, () =>
          post(actionOf(first), { ...params, CallStatus: 'in-progress', DialCallStatus: 'no-answer' }),
        );
        await timed(timings.answered, () =>
          post(actionOf(second), {
            ...params,
            CallStatus: 'in-progress',
            DialCallStatus: 'completed',
            DialCallSid: `CA${'f'.repeat(32)}`,
            DialCallDuration: '30',
          }),
        );
        await timed(timings.status, () => post('/voice/status', { ...params, CallStatus: 'completed', CallDuration: '60' }));
      }
      for (const [webhook, values] of [
        ['incoming', timings.incoming],
        ['dial-result no-answer, next offer', timings.noAnswer],
        ['dial-result completed', timings.answered],
        ['status (call ends)', timings.status],
      ] as const) {
        report('handler_latency', {
          webhook: `${webhook} (${label})`,
          calls: CALLS,
          medianMs: round(median(values)),
          p99Ms: round(percentile(values, 99)),
        });
      }
    }
    if (BURST) await burstFigures({ voice, admin, documentClient, authToken: token, apiPort, report }, BURST_OPTIONS);
    documentClient.destroy();
    await coldStartFigures(report, { dynamoEndpoint: dynamo.endpoint, tableName: 'bench-fresh', runs: COLD_RUNS });
    await memoryFigures(report, { dynamoEndpoint: dynamo.endpoint, tableName: 'bench-fresh' });
  } finally {
    await proxy.close();
    await dynamo.stop();
  }
}

const USAGE = `Usage: npm run -s bench [-- --json] [-- --help]

Prints one JSON line per figure on stdout (progress and errors on stderr): bundle sizes, import times,
per-webhook DynamoDB requests, round trips and capacity units, whole calls and their cost, handler
latency, the burst, the cold start and the voice function's memory. JSON lines are its only output,
so --json changes nothing. Without -s (--silent) npm prints its banner on stdout above them.
Options are environment variables: BENCH_CALLS, BENCH_IMPORT_RUNS, BENCH_COLD_RUNS, BENCH_SLOPE=0,
BENCH_BURST=0 and the BENCH_BURST_* variables (see bin/bench.ts).`;

try {
  const { values } = parseArgs({
    options: { help: { type: 'boolean', short: 'h', default: false }, json: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  warnOfNpmBanner('bench');
} catch (error) {
  if (isOptionError(error)) {
    console.error(`${cliErrorLine(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  process.exit(reportCliError(error));
}
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const files = await bundleSizes();
importTimes(files);
await webhookFigures();
