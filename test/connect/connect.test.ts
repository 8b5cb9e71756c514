import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type ConnectOptions } from '../../bin/connect/connect.js';
import { twilioCredentials } from '../../bin/connect/credentials.js';
import { webhooksUnder } from '../../bin/connect/deployment.js';
import { reportLines } from '../../bin/connect/report.js';
import { twilioAccount } from '../../bin/connect/twilio-account.js';
import { FakeTwilioApi, type FakeAccountSeed } from '../../bin/simulator/rest-api.js';
import { startFakeCloudFormation, type FakeCloudFormation } from './fake-cloudformation.js';

/**
 * `npm run connect` against the simulator's fake of Twilio's REST API: the command line as a user runs
 * it (a child process, while the fake answers in this one), and the same work in process for the rest.
 */
const root = join(import.meta.dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const ACME = join(root, 'examples', 'acme.json');
const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
const AUTH_TOKEN = 'connect-test-token';
const API_KEY = { sid: `SK${'b2'.repeat(16)}`, secret: 'connect-test-secret' };
const BASE = 'https://abc123.execute-api.eu-central-1.amazonaws.com';
const DEMO = 'https://demo.twilio.com/welcome/voice/';
const OTHER_APP = `AP${'c3'.repeat(16)}`;
const ACME_NUMBERS = ['+493012345670', '+493012345678', '+493012345679'];

/** The numbers of examples/acme.json, as a new Twilio account shows them (one of them served by another app). */
const ACME_ACCOUNT: FakeAccountSeed = {
  phoneNumbers: [
    { phoneNumber: '+493012345678', voiceUrl: DEMO, voiceMethod: 'GET' },
    { phoneNumber: '+493012345679' },
    { phoneNumber: '+493012345670', voiceApplicationSid: OTHER_APP },
    // Not configured: matched by a partial PhoneNumber filter only, never to be touched.
    { phoneNumber: '+4930123456789' },
  ],
  sipDomains: [{ domainName: 'other.sip.twilio.com' }, { domainName: 'acme.sip.twilio.com', voiceUrl: DEMO }],
  apiKeys: [API_KEY],
};

type Run = { status: number | null; stdout: string; stderr: string };

/**
 * Run `npm run connect` as a user would: the environment without the test suite's Twilio and AWS
 * settings, nor npm's (whose banner warning would go to stderr under `npm test`).
 */
function runConnect(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(TWILIO_|AWS_|DYNAMODB_|TABLE_NAME|npm_)/.test(name)),
  );
  return new Promise((resolve) => {
    execFile(
      tsx,
      [join(root, 'bin', 'connect.ts'), ...args],
      { cwd: root, env: { ...inherited, ...env }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr }),
    );
  });
}

let api: FakeTwilioApi | undefined;
const servers: { close(): Promise<void> }[] = [];

async function startTwilio(seed: FakeAccountSeed = ACME_ACCOUNT): Promise<FakeTwilioApi> {
  api = new FakeTwilioApi(undefined, { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN }, seed);
  await api.listen(0);
  return api;
}

function twilioEnv(fake: FakeTwilioApi, auth: 'token' | 'key' = 'token'): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_API_BASE_URL: fake.url,
    ...(auth === 'token' ? { TWILIO_AUTH_TOKEN: AUTH_TOKEN } : { TWILIO_API_KEY: API_KEY.sid, TWILIO_API_SECRET: API_KEY.secret }),
  };
}

/** The same work as the command line, in process. */
async function connectInProcess(fake: FakeTwilioApi, options: Partial<ConnectOptions> = {}) {
  const account = twilioAccount(twilioCredentials(twilioEnv(fake)));
  return connect(account, {
    webhooks: webhooksUnder(BASE),
    numbers: ACME_NUMBERS,
    applicationName: 'QueueGroups',
    sipDomain: 'acme.sip.twilio.com',
    dryRun: false,
    ...options,
  });
}

/** A stand-in for the local stack's admin API: GET /admin/numbers lists these numbers. */
async function startAdminApi(numbers: readonly string[]): Promise<string> {
  const server: Server = createServer((request, response) => {
    const ok = request.method === 'GET' && request.url === '/admin/numbers';
    response.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(ok ? { numbers: numbers.map((number) => ({ number, group: 'support', warnings: [] })) } : { error: 'not found' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  servers.push({
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
  return `http://127.0.0.1:${address.port}/admin`;
}

afterEach(async () => {
  await api?.close();
  api = undefined;
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('npm run connect', () => {
  it('sets every number, creates the TwiML App and sets the SIP domain on the first run', async () => {
    const fake = await startTwilio();

    const run = await runConnect(['--base-url', BASE, '--config', ACME, '--sip-domain', 'acme.sip.twilio.com'], twilioEnv(fake));

    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      /^number \+493012345670 \(PN[0-9a-f]{32}\): updated VoiceUrl: \(none\) -> https:\/\/abc123\..*\/voice\/incoming; /,
    );
    expect(lines[0]).toContain(`VoiceApplicationSid: ${OTHER_APP} -> (none)`);
    expect(lines[1]).toContain(
      `VoiceUrl: ${DEMO} -> ${BASE}/voice/incoming; VoiceMethod: GET -> POST; StatusCallback: (none) -> ${BASE}/voice/status`,
    );
    expect(lines[3]).toMatch(
      /^twiml-app "QueueGroups" \(AP[0-9a-f]{32}\): created with VoiceUrl: \(none\) -> https:.*\/voice\/outbound; VoiceMethod: \(none\) -> POST/,
    );
    expect(lines[4]).toMatch(
      /^sip-domain acme\.sip\.twilio\.com \(SD[0-9a-f]{32}\): updated VoiceUrl: https:\/\/demo\.twilio\.com\/welcome\/voice\/ -> https:.*\/voice\/outbound; /,
    );
    expect(lines[5]).toBe('Done: 4 updated, 1 created, 0 unchanged.');
    for (const number of ACME_NUMBERS)
      expect(fake.phoneNumber(number)).toMatchObject({
        voice_url: `${BASE}/voice/incoming`,
        voice_method: 'POST',
        status_callback: `${BASE}/voice/status`,
        status_callback_method: 'POST',
        voice_fallback_url: `${BASE}/voice/fallback`,
        voice_fallback_method: 'POST',
        voice_application_sid: null,
      });
    expect(fake.phoneNumber('+4930123456789')).toMatchObject({ voice_url: '' });
    expect(fake.applications()).toEqual([
      expect.objectContaining({
        friendly_name: 'QueueGroups',
        voice_url: `${BASE}/voice/outbound`,
        voice_method: 'POST',
        status_callback: `${BASE}/voice/status`,
        voice_fallback_url: `${BASE}/voice/fallback`,
      }),
    ]);
    expect(fake.sipDomain('acme.sip.twilio.com')).toMatchObject({
      voice_url: `${BASE}/voice/outbound`,
      voice_method: 'POST',
      voice_status_callback_url: `${BASE}/voice/status`,
      voice_fallback_url: `${BASE}/voice/fallback`,
    });
    expect(fake.sipDomain('other.sip.twilio.com')).toMatchObject({ voice_url: null });
    expect(fake.writes.map((write) => write.status)).toEqual([200, 200, 200, 201, 200]);
  });

  it('changes nothing on a second run and says so, with an API key this time', async () => {
    const fake = await startTwilio();
    await connectInProcess(fake);
    const writesBefore = fake.writes.length;

    const run = await runConnect(['--base-url', BASE, '--config', ACME, '--sip-domain', 'acme.sip.twilio.com'], twilioEnv(fake, 'key'));

    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(0, -1).every((line) => line.endsWith(': unchanged'))).toBe(true);
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)).toBe('Nothing to change: all 5 already point at https://abc123.execute-api.eu-central-1.amazonaws.com.');
    expect(fake.writes).toHaveLength(writesBefore);
  });

  it('prints what would change with --dry-run and writes nothing', async () => {
    const fake = await startTwilio();

    const run = await runConnect(['--base-url', BASE, '--config', ACME, '--dry-run'], twilioEnv(fake));

    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((line) => /: (would update|would create|unchanged)/.exec(line)?.[1] ?? line)).toEqual([
      'would update',
      'would update',
      'would update',
      'would create',
      'Dry run: 3 to update, 1 to create, 0 unchanged; nothing was written.',
    ]);
    expect(fake.writes).toEqual([]);
    expect(fake.applications()).toEqual([]);
    expect(fake.phoneNumber('+493012345678')).toMatchObject({ voice_url: DEMO, voice_method: 'GET' });
  });

  it('fails in one line naming a configured number the account does not own, and changes nothing', async () => {
    const fake = await startTwilio({
      ...ACME_ACCOUNT,
      phoneNumbers: (ACME_ACCOUNT.phoneNumbers ?? []).filter((n) => n.phoneNumber !== '+493012345679'),
    });

    const run = await runConnect(['--base-url', BASE, '--config', ACME, '--sip-domain', 'acme.sip.twilio.com'], twilioEnv(fake));

    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 1,
      stdout: '',
      stderr: `+493012345679 is not a number of Twilio account ${ACCOUNT_SID}: buy or port it, or take it out of the configuration. Nothing was changed.\n`,
    });
    expect(fake.writes).toEqual([]);
  });

  it('lists every problem at once: unowned numbers, a number on a SIP trunk, a missing SIP domain', async () => {
    const fake = await startTwilio({ phoneNumbers: [{ phoneNumber: '+493012345678', trunkSid: `TK${'d4'.repeat(16)}` }] });

    await expect(connectInProcess(fake, { sipDomain: 'nope.sip.twilio.com' })).rejects.toThrow(
      new RegExp(
        `^\\+493012345670, \\+493012345679 are not numbers of Twilio account ${ACCOUNT_SID}: .*; \\+493012345678 is routed by SIP trunk TK.*; the account has no SIP domain nope\\.sip\\.twilio\\.com\\. Nothing was changed\\.$`,
      ),
    );
    expect(fake.writes).toEqual([]);
  });

  it('prints its usage for --help and starts nothing', async () => {
    const run = await runConnect(['--help']);

    expect({ status: run.status, stderr: run.stderr, usage: run.stdout.split('\n')[0] }).toEqual({
      status: 0,
      stderr: '',
      usage: 'Usage: npm run connect -- [options]',
    });
    expect(run.stdout).toContain('--dry-run');
    expect(run.stdout).toContain('TWILIO_API_KEY');
  });

  it.each([
    [['--bogus'], {}, "Unknown option '--bogus'. See --help."],
    [['--base-url', BASE, '--config', ACME], {}, 'TWILIO_ACCOUNT_SID is not set (the account SID, AC...). See --help.'],
    [
      ['--base-url', BASE, '--config', ACME],
      { TWILIO_ACCOUNT_SID: ACCOUNT_SID },
      'no Twilio credentials: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET. See --help.',
    ],
    [
      ['--base-url', `${BASE}/voice`, '--config', ACME],
      { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'x' },
      `--base-url is the URL the webhooks' /voice/... paths are added to, without /voice: ${BASE}/voice. See --help.`,
    ],
    [
      ['--base-url', BASE, '--config', 'no-such-file.json'],
      { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'x' },
      'no-such-file.json: no such file.',
    ],
  ])('fails with one line for %j, exit 2', async (args, env, line) => {
    const run = await runConnect(args, env);

    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 2, stdout: '', stderr: `${line}\n` });
  });

  it('reports refused credentials in one line, exit 1', async () => {
    const fake = await startTwilio();

    const run = await runConnect(['--base-url', BASE, '--config', ACME], { ...twilioEnv(fake), TWILIO_AUTH_TOKEN: 'wrong' });

    expect({ status: run.status, stderr: run.stderr.trim() }).toEqual({
      status: 1,
      stderr:
        'Twilio refused the credentials (401, code 20003): check TWILIO_ACCOUNT_SID with TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET',
    });
    expect(fake.writes).toEqual([]);
  });

  it('reads the webhooks and the admin API from the stack outputs, and prints JSON alone on stdout with --json', async () => {
    const fake = await startTwilio();
    const adminUrl = await startAdminApi(['+493012345678']);
    let cloudFormation: FakeCloudFormation | undefined;
    try {
      cloudFormation = await startFakeCloudFormation({
        Acme: {
          IncomingCallUrl: `${BASE}/voice/incoming`,
          StatusCallbackUrl: `${BASE}/voice/status`,
          OutboundCallUrl: `${BASE}/voice/outbound`,
          FallbackUrl: `${BASE}/voice/fallback`,
          AdminApiUrl: adminUrl,
        },
      });
      const aws = {
        AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      };

      const run = await runConnect(['--stack', 'Acme', '--region', 'eu-central-1', '--json'], { ...twilioEnv(fake), ...aws });
      const missing = await runConnect(['--stack', 'Nope', '--region', 'eu-central-1'], { ...twilioEnv(fake), ...aws });

      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const report = JSON.parse(run.stdout) as { changed: boolean; resources: { kind: string; name: string; outcome: string }[] };
      expect(report.changed).toBe(true);
      expect(report.resources.map(({ kind, name, outcome }) => `${kind} ${name} ${outcome}`)).toEqual([
        'number +493012345678 updated',
        'twiml-app Acme created',
      ]);
      expect(cloudFormation.requests).toEqual(['DescribeStacks Acme', 'DescribeStacks Nope']);
      expect({ status: missing.status, stderr: missing.stderr }).toEqual({
        status: 1,
        stderr: 'stack Nope does not exist in eu-central-1: deploy it first, or give --stack NAME or --region REGION\n',
      });
    } finally {
      await cloudFormation?.close();
    }
  });

  it('takes the numbers from the admin API and names the resources in its report', async () => {
    const fake = await startTwilio();
    const adminUrl = await startAdminApi(['+493012345679']);
    const credentials = twilioCredentials(twilioEnv(fake));
    const { numbersOfAdminApi } = await import('../../bin/connect/configured-numbers.js');

    const report = await connect(twilioAccount(credentials), {
      webhooks: webhooksUnder(`${BASE}/`),
      numbers: await numbersOfAdminApi(adminUrl),
      applicationName: 'QueueGroups-staging',
      sipDomain: undefined,
      dryRun: false,
    });

    expect(reportLines(report).map((line) => line.replace(/ \((PN|AP)[0-9a-f]{32}\)/, ''))).toEqual([
      `number +493012345679: updated VoiceUrl: (none) -> ${BASE}/voice/incoming; StatusCallback: (none) -> ${BASE}/voice/status; VoiceFallbackUrl: (none) -> ${BASE}/voice/fallback`,
      `twiml-app "QueueGroups-staging": created with VoiceUrl: (none) -> ${BASE}/voice/outbound; VoiceMethod: (none) -> POST; StatusCallback: (none) -> ${BASE}/voice/status; StatusCallbackMethod: (none) -> POST; VoiceFallbackUrl: (none) -> ${BASE}/voice/fallback; VoiceFallbackMethod: (none) -> POST`,
      'Done: 1 updated, 1 created, 0 unchanged.',
    ]);
  });

  it('names the admin API it cannot reach, and the way around it', async () => {
    const { numbersOfAdminApi } = await import('../../bin/connect/configured-numbers.js');
    const closed = await startAdminApi([]);
    await Promise.all(servers.splice(0).map((server) => server.close()));

    await expect(numbersOfAdminApi(closed)).rejects.toThrow(/127\.0\.0\.1.*ECONNREFUSED.* Or give --config FILE\.$/);
  });

  it('updates only the fields that differ when the deployment moves', async () => {
    const fake = await startTwilio();
    await connectInProcess(fake);
    const written = fake.writes.length;

    const moved = await connectInProcess(fake, { webhooks: webhooksUnder(BASE.replace('abc123', 'def456')) });

    expect(moved.resources.map((resource) => resource.outcome)).toEqual(['updated', 'updated', 'updated', 'updated', 'updated']);
    expect(fake.writes.slice(written).map((write) => Object.keys(write.params).sort().join(','))).toEqual([
      'StatusCallback,VoiceFallbackUrl,VoiceUrl',
      'StatusCallback,VoiceFallbackUrl,VoiceUrl',
      'StatusCallback,VoiceFallbackUrl,VoiceUrl',
      'StatusCallback,VoiceFallbackUrl,VoiceUrl',
      'VoiceFallbackUrl,VoiceStatusCallbackUrl,VoiceUrl',
    ]);
  });

  it('refuses two TwiML Apps of the same name, changing nothing', async () => {
    const fake = await startTwilio();
    const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    for (let copy = 0; copy < 2; copy += 1)
      fake.answer('POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Applications.json`, { FriendlyName: 'QueueGroups' }, basic);

    await expect(connectInProcess(fake)).rejects.toThrow(
      /^2 TwiML Apps are named "QueueGroups" \(AP[0-9a-f]{32}, AP[0-9a-f]{32}\): delete all but one, or give --app-name\. Nothing was changed\.$/,
    );
    expect(fake.writes).toEqual([]);
  });

  it('follows the list pages: a SIP domain after the first 1000 is found', async () => {
    const others = Array.from({ length: 1000 }, (_, index) => ({ domainName: `team-${index}.sip.twilio.com` }));
    const fake = await startTwilio({ ...ACME_ACCOUNT, sipDomains: [...others, { domainName: 'acme.sip.twilio.com' }] });

    const report = await connectInProcess(fake);

    expect(report.resources.at(-1)).toMatchObject({ kind: 'sip-domain', name: 'acme.sip.twilio.com', outcome: 'updated' });
    expect(fake.requests.filter((request) => request.path.endsWith('/SIP/Domains.json')).map((request) => request.params.Page)).toEqual([
      undefined,
      '1',
    ]);
  });

  it('reads the numbers of a YAML configuration file and names the TwiML App as told', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'connect-'));
    const file = join(dir, 'numbers.yaml');
    await writeFile(file, 'numbers:\n  "+493012345678": { group: support }\n');
    const fake = await startTwilio();

    const run = await runConnect(['--base-url', BASE, '--config', file, '--app-name', 'Acme phones'], twilioEnv(fake));

    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain('twiml-app "Acme phones"');
    expect(fake.writes.map((write) => write.status)).toEqual([200, 201]);
  });
});

describe('the fake REST API for connect', () => {
  const auth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
  const account = `/2010-04-01/Accounts/${ACCOUNT_SID}`;

  it('validates like Twilio: credentials, URLs, methods, parameter names, SIDs', async () => {
    const fake = await startTwilio();
    const sid = String(fake.phoneNumber('+493012345678')?.sid);

    expect(fake.answer('GET', `${account}/IncomingPhoneNumbers.json`, {}, undefined)).toMatchObject({ status: 401, body: { code: 20003 } });
    expect(fake.answer('POST', `${account}/IncomingPhoneNumbers/${sid}.json`, { VoiceUrl: '/voice/incoming' }, auth)).toEqual({
      status: 400,
      body: {
        code: 21402,
        message: 'VoiceUrl is not a valid URL: /voice/incoming',
        more_info: 'https://www.twilio.com/docs/errors/21402',
        status: 400,
      },
    });
    expect(fake.answer('POST', `${account}/Applications.json`, { VoiceMethod: 'PUT' }, auth)).toMatchObject({
      status: 400,
      body: { code: 21205 },
    });
    expect(fake.answer('POST', `${account}/IncomingPhoneNumbers/${sid}.json`, { VoiceURL: `${BASE}/x` }, auth)).toMatchObject({
      status: 400,
      body: { message: 'Unknown parameter: VoiceURL' },
    });
    expect(fake.answer('POST', `${account}/IncomingPhoneNumbers/PN${'0'.repeat(32)}.json`, {}, auth)).toMatchObject({
      status: 404,
      body: { code: 20404 },
    });
    expect(fake.answer('GET', `${account}/SIP/Domains/SD${'0'.repeat(32)}.json`, {}, auth)).toMatchObject({
      status: 404,
      body: { code: 20404 },
    });
    expect(fake.answer('POST', `${account}/Applications/AP${'0'.repeat(32)}.json`, {}, auth)).toMatchObject({ status: 404 });
    expect(fake.writes).toEqual([]);
  });

  it('lists in pages with Twilio paging fields, and filters numbers by partial PhoneNumber', async () => {
    const fake = await startTwilio();

    const partial = fake.answer('GET', `${account}/IncomingPhoneNumbers.json`, { PhoneNumber: '+493012345678', PageSize: '1' }, auth);
    const second = fake.answer(
      'GET',
      `${account}/IncomingPhoneNumbers.json`,
      { PhoneNumber: '+493012345678', PageSize: '1', Page: '1' },
      auth,
    );
    const wildcard = fake.answer('GET', `${account}/IncomingPhoneNumbers.json`, { PhoneNumber: '*****7*' }, auth);
    const domains = fake.answer('GET', `${account}/SIP/Domains.json`, {}, auth);

    expect(partial).toMatchObject({
      status: 200,
      body: {
        incoming_phone_numbers: [expect.objectContaining({ phone_number: '+493012345678' })],
        page: 0,
        page_size: 1,
        start: 0,
        end: 0,
        previous_page_uri: null,
        next_page_uri: `${account}/IncomingPhoneNumbers.json?PhoneNumber=%2B493012345678&PageSize=1&Page=1`,
      },
    });
    expect(second.body).toMatchObject({
      incoming_phone_numbers: [expect.objectContaining({ phone_number: '+4930123456789' })],
      next_page_uri: null,
    });
    expect((wildcard.body.incoming_phone_numbers as unknown[]).length).toBe(4);
    expect(domains.body).toMatchObject({ domains: [expect.objectContaining({ domain_name: 'other.sip.twilio.com' }), expect.anything()] });
  });
});
