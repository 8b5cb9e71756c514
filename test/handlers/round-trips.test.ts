import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { installMeter, meter, type Metered } from '../../bin/bench/request-meter.js';
import { documentClient } from '../../functions/store/client.js';
import { parseTwiml } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { authToken, postVoice, put, TEST_HOST } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';
import { startTwilioSession, type TwilioSession } from '../support/twilio-session.js';

/**
 * SPEC 13 (Performance): every caller-facing webhook reads what its decision needs in one request
 * and writes once: at most 2 sequential DynamoDB round trips with a warm configuration cache, 3 on a
 * cold one. Counted by instrumentation on the store's DynamoDB client (bin/bench/request-meter.ts),
 * never timed: a request that starts after another finished may have waited for it.
 */
const WARM_BUDGET = 2;
const COLD_BUDGET = 3;

const CALLER = '+15550001111';
const NUMBERS = {
  evenly: '+493050000001',
  inOrder: '+493050000002',
  allAtOnce: '+493050000003',
  greeting: '+493050000004',
  extensions: '+493050000005',
  line: '+493050000006',
  forward: '+493050000007',
} as const;

let sequence = 0;
const newCallSid = (): string => `CA${String((sequence += 1)).padStart(32, '0')}`;

type Answer = { body: string; verbs: ReturnType<typeof parseTwiml>; metered: Metered<unknown> };

async function metered(pathAndQuery: string, params: Record<string, string>): Promise<Answer> {
  const result = await meter(() => postVoice({ pathAndQuery, params }));
  expect(result.value.statusCode, `${pathAndQuery} answered ${result.value.statusCode}: ${result.value.body}`).toBe(200);
  return { body: result.value.body, verbs: parseTwiml(result.value.body), metered: result };
}

/** A readable account of the requests when a budget is exceeded. */
function chain(answer: Answer): string {
  return answer.metered.requests.map((request) => `${request.depth}:${request.command}`).join(' ');
}

function expectWithin(answer: Answer, budget: number, what: string): void {
  expect(answer.metered.roundTrips, `${what}: ${answer.metered.roundTrips} sequential round trips (${chain(answer)})`).toBeLessThanOrEqual(
    budget,
  );
  expect(answer.metered.roundTrips, `${what} made no DynamoDB request at all`).toBeGreaterThan(0);
  // A request that failed sent the webhook to its fault answer, which makes no request: not the path measured.
  const expectedFailures = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException']);
  expect(
    answer.metered.requests
      .filter((request) => request.failed === true && !expectedFailures.has(request.error ?? ''))
      .map((request) => `${request.command}: ${request.error}`),
    `${what}: failed requests`,
  ).toEqual([]);
  // SPEC 13: the first requests are reads, so a database that does not answer is found before anything is written.
  const firstWrites = answer.metered.requests.filter((request) => request.depth === 1 && !READS.has(request.command));
  expect(
    firstWrites.map((request) => request.command),
    `${what} wrote before it read`,
  ).toEqual([]);
}

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'TransactGetItemsCommand']);

function dialAction(answer: Answer): string {
  const dial = answer.verbs.find((verb) => verb.name === 'Dial');
  const action = dial?.attrs.action;
  if (action === undefined) throw new Error(`no <Dial action> in ${answer.body}`);
  return `/voice/${action}`;
}

const incomingParams = (callSid: string, to: string): Record<string, string> => ({
  CallSid: callSid,
  From: CALLER,
  To: to,
  CallStatus: 'ringing',
  Direction: 'inbound',
});

/** Ends a call so its members are free again. */
async function hangUp(callSid: string, to: string): Promise<void> {
  await postVoice({
    pathAndQuery: '/voice/status',
    params: { CallSid: callSid, From: CALLER, To: to, CallStatus: 'completed', CallDuration: '5' },
  });
}

describe('sequential DynamoDB round trips per caller-facing webhook', () => {
  let session: TwilioSession;

  beforeAll(async () => {
    installMeter(documentClient);
    session = await startTwilioSession();
    await createTestTable();
    const members = ['anna', 'ben', 'clara', 'dora'];
    for (const [index, id] of members.entries())
      await put(`/users/${id}`, { name: id, extension: `10${index + 1}`, devices: [{ type: 'client', identity: id }] });
    await put('/users/erik', { name: 'erik', extension: '109', devices: [{ type: 'client', identity: 'erik' }] });
    await loadGroup('evenly', { members, distribution: 'evenly', extension: '200', whenNobodyAnswers: { action: 'voicemail' } });
    await loadGroup('in-order', { members: ['anna', 'ben'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await loadGroup('all-at-once', { members, distribution: 'all-at-once', pickup: true, whenNobodyAnswers: { action: 'voicemail' } });
    await loadGroup('forward', {
      members: ['clara'],
      distribution: 'in-order',
      whenNobodyAnswers: { action: 'forward-to-number', number: '+491701111111' },
    });
    await loadGroup('line', {
      members: ['dora'],
      distribution: 'in-order',
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 600, announcePosition: true },
    });
    await loadNumber(NUMBERS.evenly, { group: 'evenly' });
    await loadNumber(NUMBERS.inOrder, { group: 'in-order' });
    await loadNumber(NUMBERS.allAtOnce, { group: 'all-at-once' });
    await loadNumber(NUMBERS.greeting, { group: 'evenly', greeting: { say: 'Welcome' } });
    await loadNumber(NUMBERS.extensions, { group: 'evenly', greeting: { say: 'Welcome' }, extensions: true });
    await loadNumber(NUMBERS.line, { group: 'line' });
    await loadNumber(NUMBERS.forward, { group: 'forward' });
    // Warm this instance's configuration cache, as any earlier call would.
    const warm = newCallSid();
    await postVoice({ pathAndQuery: '/voice/incoming', params: incomingParams(warm, NUMBERS.inOrder) });
    await hangUp(warm, NUMBERS.inOrder);
  });

  afterAll(async () => {
    await session.close();
  });

  it.each([
    ['evenly', NUMBERS.evenly],
    ['in-order', NUMBERS.inOrder],
    ['all-at-once', NUMBERS.allAtOnce],
    ['a greeting', NUMBERS.greeting],
    ['a greeting with extensions', NUMBERS.extensions],
  ])('incoming call to a number with %s: an answer within the budget', async (what, to) => {
    const callSid = newCallSid();
    const answer = await metered('/voice/incoming', incomingParams(callSid, to));
    expectWithin(answer, WARM_BUDGET, `incoming (${what})`);
    await hangUp(callSid, to);
  });

  it('extension digits and the group after the greeting', async () => {
    for (const digits of ['200', '102', '']) {
      const callSid = newCallSid();
      const answer = await metered('/voice/extension?g=evenly', {
        ...incomingParams(callSid, NUMBERS.extensions),
        CallStatus: 'in-progress',
        Digits: digits,
      });
      expect(answer.verbs.map((verb) => verb.name)).toContain('Dial');
      expectWithin(answer, WARM_BUDGET, `extension "${digits}"`);
      await hangUp(callSid, NUMBERS.extensions);
    }
    const callSid = newCallSid();
    const answer = await metered('/voice/group?g=evenly', { ...incomingParams(callSid, NUMBERS.greeting), CallStatus: 'in-progress' });
    expect(answer.verbs.map((verb) => verb.name)).toContain('Dial');
    expectWithin(answer, WARM_BUDGET, 'group after the greeting');
    await hangUp(callSid, NUMBERS.greeting);
  });

  it('an unanswered offer: to the next offer, to voicemail, to a forward', async () => {
    const callSid = newCallSid();
    const first = await metered('/voice/incoming', incomingParams(callSid, NUMBERS.inOrder));
    const next = await metered(dialAction(first), {
      ...incomingParams(callSid, NUMBERS.inOrder),
      CallStatus: 'in-progress',
      DialCallStatus: 'no-answer',
    });
    expect(next.verbs.find((verb) => verb.name === 'Dial')?.children[0]?.text).toBe('ben');
    expectWithin(next, WARM_BUDGET, 'dial-result to the next offer');
    const voicemail = await metered(dialAction(next), {
      ...incomingParams(callSid, NUMBERS.inOrder),
      CallStatus: 'in-progress',
      DialCallStatus: 'no-answer',
    });
    expect(voicemail.verbs.map((verb) => verb.name)).toContain('Record');
    expectWithin(voicemail, WARM_BUDGET, 'dial-result to voicemail');
    const done = await metered('/voice/voicemail-done?g=in-order', {
      ...incomingParams(callSid, NUMBERS.inOrder),
      CallStatus: 'in-progress',
      RecordingSid: `RE${'1'.repeat(32)}`,
      RecordingUrl: 'https://api.twilio.com/recording',
      RecordingDuration: '12',
    });
    expectWithin(done, WARM_BUDGET, 'voicemail-done');
    await hangUp(callSid, NUMBERS.inOrder);

    const forwarded = newCallSid();
    const offer = await metered('/voice/incoming', incomingParams(forwarded, NUMBERS.forward));
    const forward = await metered(dialAction(offer), {
      ...incomingParams(forwarded, NUMBERS.forward),
      CallStatus: 'in-progress',
      DialCallStatus: 'busy',
    });
    expect(forward.verbs.find((verb) => verb.name === 'Dial')?.children[0]).toMatchObject({ name: 'Number' });
    expectWithin(forward, WARM_BUDGET, 'dial-result to a forward');
    await hangUp(forwarded, NUMBERS.forward);
  });

  it('the waiting line: joining, hold music, the offer and its result', async () => {
    // dora talks on another call, so the caller waits.
    const busy = newCallSid();
    await postVoice({ pathAndQuery: '/voice/incoming', params: incomingParams(busy, NUMBERS.line) });
    await postVoice({
      pathAndQuery: '/voice/leg?m=dora',
      params: { CallSid: newCallSid(), ParentCallSid: busy, CallStatus: 'in-progress', SequenceNumber: '1' },
    });

    const callSid = newCallSid();
    const join = await metered('/voice/incoming', incomingParams(callSid, NUMBERS.line));
    expect(join.verbs.map((verb) => verb.name)).toContain('Enqueue');
    expectWithin(join, WARM_BUDGET, 'joining the waiting line');
    const waitUrl = join.verbs.find((verb) => verb.name === 'Enqueue')?.attrs.waitUrl ?? '';
    for (let request = 0; request < 2; request += 1) {
      const wait = await metered(`/voice/${waitUrl}`, {
        ...incomingParams(callSid, NUMBERS.line),
        CallStatus: 'in-progress',
        QueueSid: `QU${'1'.repeat(32)}`,
        QueueTime: String(30 * request),
        QueuePosition: '1',
      });
      expect(wait.verbs.map((verb) => verb.name)).toContain('Play');
      expectWithin(wait, WARM_BUDGET, `hold music (request ${request + 1})`);
    }
  });

  it('a member calling a group extension', async () => {
    const internal = newCallSid();
    const call = await metered('/voice/outbound', {
      CallSid: internal,
      From: 'client:erik',
      To: '200',
      CallStatus: 'ringing',
      Direction: 'inbound',
    });
    expect(call.verbs.map((verb) => verb.name)).toContain('Dial');
    expectWithin(call, WARM_BUDGET, 'a member calling a group extension');
    await hangUp(internal, '200');
  });

  it('on a new instance (nothing cached): one round trip more at most, the configuration read from its snapshot', async () => {
    // A fresh module graph is a new Lambda container: its own DynamoDB client and an empty cache.
    vi.resetModules();
    const [{ handler }, { documentClient: freshClient }] = await Promise.all([
      import('../../functions/handlers/voice.js'),
      import('../../functions/store/client.js'),
    ]);
    installMeter(freshClient);
    const callSid = newCallSid();
    const params = incomingParams(callSid, NUMBERS.evenly);
    const url = `https://${TEST_HOST}/voice/incoming`;
    const event = toLambdaEvent({
      method: 'POST',
      rawPath: '/voice/incoming',
      rawQueryString: '',
      headers: {
        host: TEST_HOST,
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-proto': 'https',
        'x-twilio-signature': getExpectedTwilioSignature(authToken(), url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    const result = await meter(async () => (await handler(event, localContext('voice'))) as APIGatewayProxyStructuredResultV2);
    const answer: Answer = { body: result.value.body ?? '', verbs: parseTwiml(result.value.body ?? ''), metered: result };
    expect(answer.verbs.map((verb) => verb.name)).toContain('Dial');
    expectWithin(answer, COLD_BUDGET, 'incoming on a new instance');
    // The snapshot answered: no query of the configuration's partitions.
    expect(result.requests.filter((request) => request.command === 'QueryCommand')).toEqual([]);
    await hangUp(callSid, NUMBERS.evenly);
  });

  it('on a cold configuration (after an administrator changed it): one round trip more at most', async () => {
    await put('/users/erik', { name: 'Erik', extension: '109', devices: [{ type: 'client', identity: 'erik' }] });
    const callSid = newCallSid();
    const answer = await metered('/voice/incoming', incomingParams(callSid, NUMBERS.evenly));
    expect(answer.verbs.map((verb) => verb.name)).toContain('Dial');
    expectWithin(answer, COLD_BUDGET, 'incoming on a cold configuration');
    await hangUp(callSid, NUMBERS.evenly);
  });
});
