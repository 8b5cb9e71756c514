import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable, startDynamoDbLocal, type DynamoDbLocal } from '../../bin/local/dynamodb-local.js';

/**
 * The fault suite (SPEC sections 12 and 13): a DynamoDB Local of this file's own, frozen with SIGSTOP
 * and later killed in the middle of calls, for real. Every webhook answers within 3 s with TwiML that
 * serves the caller (members rung from the cached configuration, hold music in a waitUrl, apology and
 * voicemail), and after SIGCONT nothing a request started is written after its answer.
 *
 * The handlers read their environment once at import: the deployed budget and timeouts, and this
 * file's DynamoDB Local, are set before they are imported.
 */
const dynamo: DynamoDbLocal = await startDynamoDbLocal();
process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
process.env.WEBHOOK_BUDGET_MS = '2500';
process.env.DYNAMODB_REQUEST_TIMEOUT_MS = '1000';
await ensureTable(dynamo.endpoint, process.env.TABLE_NAME ?? '');
const { postVoice, put } = await import('../support/invoke.js');
const { parseTwiml } = await import('../support/call-player.js');
const { tableSnapshot } = await import('../support/table.js');

const SUPPORT = '+493055500001';
const WAITING = '+493055500002';
const HOLD_MUSIC = 'https://music.example.test/hold.mp3';
const ANSWER_WITHIN_MS = 3000;
const sid = (name: string): string => `CA${name.padEnd(32, '0')}`;

type Answer = { statusCode: number; body: string; millis: number };

async function timedPost(pathAndQuery: string, params: Record<string, string>): Promise<Answer> {
  const started = performance.now();
  const result = await postVoice({ pathAndQuery, params });
  return { ...result, millis: performance.now() - started };
}

const verbs = (answer: Answer): string[] => parseTwiml(answer.body).map((verb) => verb.name);
const dialled = (answer: Answer): string[] =>
  parseTwiml(answer.body)
    .find((verb) => verb.name === 'Dial')
    ?.children.map((noun) => noun.text ?? '') ?? [];

/** One request of every webhook, as Twilio would send it in the middle of calls. */
const webhooks: { name: string; path: string; params: Record<string, string>; serves: (answer: Answer) => void }[] = [
  {
    name: 'incoming',
    path: '/voice/incoming',
    params: { CallSid: sid('in1'), From: '+15550001111', To: SUPPORT, CallStatus: 'ringing' },
    serves: (answer) => expect(dialled(answer)).toEqual(['anna']),
  },
  // A number the cached configuration lacks may be new: the caller may leave a message, not hear "not in service".
  {
    name: 'incoming, number not in the cache',
    path: '/voice/incoming',
    params: { CallSid: sid('in2'), From: '+15550001111', To: '+493099999999', CallStatus: 'ringing' },
    serves: (answer) => expect(verbs(answer)).toContain('Record'),
  },
  {
    name: 'extension',
    path: '/voice/extension?g=support&v=support',
    params: { CallSid: sid('ext'), From: '+15550001111', To: SUPPORT, Digits: '102' },
    serves: (answer) => expect(dialled(answer)).toEqual(['ben']),
  },
  {
    name: 'group',
    path: '/voice/group?g=support&v=support',
    params: { CallSid: sid('grp'), From: '+15550001111', To: SUPPORT },
    serves: (answer) => expect(dialled(answer)).toEqual(['anna']),
  },
  {
    name: 'dial-result, not answered',
    path: '/voice/dial-result?g=support&o=anna&v=support&r=anna',
    params: { CallSid: sid('dr1'), From: '+15550001111', To: SUPPORT, CallStatus: 'in-progress', DialCallStatus: 'no-answer' },
    serves: (answer) => expect(dialled(answer)).toEqual(['ben']),
  },
  {
    name: 'dial-result, answered',
    path: '/voice/dial-result?g=support&o=anna&v=support&r=anna',
    params: { CallSid: sid('dr2'), From: '+15550001111', To: SUPPORT, CallStatus: 'in-progress', DialCallStatus: 'completed' },
    serves: (answer) => expect(verbs(answer)).toEqual(['Hangup']),
  },
  {
    name: 'forward-result',
    path: '/voice/forward-result?g=support',
    params: { CallSid: sid('fwd'), From: '+15550001111', To: SUPPORT, CallStatus: 'in-progress', DialCallStatus: 'no-answer' },
    serves: (answer) => expect(verbs(answer)).toContain('Record'),
  },
  {
    name: 'line-wait (waitUrl)',
    path: '/voice/line-wait?g=waiting',
    params: { CallSid: sid('lw'), From: '+15550001111', To: WAITING, QueueSid: `QU${'1'.repeat(32)}`, QueueTime: '30' },
    serves: (answer) => expect(parseTwiml(answer.body).map((verb) => [verb.name, verb.text])).toEqual([['Play', HOLD_MUSIC]]),
  },
  {
    name: 'line-left, hung up',
    path: '/voice/line-left?g=waiting',
    params: { CallSid: sid('ll1'), From: '+15550001111', To: WAITING, QueueResult: 'hangup', QueueTime: '30' },
    serves: (answer) => expect(verbs(answer)).toEqual(['Hangup']),
  },
  {
    name: 'line-left, left',
    path: '/voice/line-left?g=waiting',
    params: { CallSid: sid('ll2'), From: '+15550001111', To: WAITING, QueueResult: 'leave', QueueTime: '30' },
    serves: (answer) => expect(verbs(answer)).toContain('Record'),
  },
  {
    name: 'line-offer',
    path: '/voice/line-offer?g=waiting',
    params: { CallSid: sid('lo'), From: '+15550001111', To: WAITING },
    serves: (answer) => expect(verbs(answer)).toEqual(['Enqueue']),
  },
  {
    name: 'line-offer-result',
    path: '/voice/line-offer-result?g=waiting&r=anna',
    params: { CallSid: sid('lor'), From: '+15550001111', To: WAITING, CallStatus: 'in-progress', DialCallStatus: 'no-answer' },
    serves: (answer) => expect(verbs(answer)).toEqual(['Enqueue']),
  },
  {
    name: 'voicemail-done',
    path: '/voice/voicemail-done',
    params: {
      CallSid: sid('vd'),
      From: '+15550001111',
      To: SUPPORT,
      RecordingDuration: '12',
      RecordingSid: `RE${'1'.repeat(32)}`,
      RecordingUrl: 'https://api.twilio.com/rec',
    },
    serves: (answer) => expect(verbs(answer)).toEqual(['Say', 'Hangup']),
  },
  {
    name: 'status',
    path: '/voice/status',
    params: { CallSid: sid('st'), From: '+15550001111', To: SUPPORT, CallStatus: 'completed', CallDuration: '40' },
    serves: (answer) => expect(verbs(answer)).toEqual([]),
  },
  {
    name: 'leg',
    path: '/voice/leg?m=anna',
    params: { CallSid: sid('leg'), ParentCallSid: sid('parent'), CallStatus: 'in-progress', SequenceNumber: '1' },
    serves: (answer) => expect(verbs(answer)).toEqual([]),
  },
  {
    name: 'outbound',
    path: '/voice/outbound',
    params: { CallSid: sid('out'), From: 'client:anna', To: '*11' },
    serves: (answer) => expect(verbs(answer)).toContain('Say'),
  },
  {
    name: 'fallback',
    path: '/voice/fallback',
    params: { CallSid: sid('fb'), From: '+15550001111', To: SUPPORT, ErrorCode: '11205' },
    serves: (answer) => expect(verbs(answer)).toContain('Record'),
  },
];

describe('with the database frozen, then killed', () => {
  beforeAll(async () => {
    await put('/users/anna', { name: 'Anna', extension: '101', devices: [{ type: 'client', identity: 'anna' }] });
    await put('/users/ben', { name: 'Ben', extension: '102', devices: [{ type: 'client', identity: 'ben' }] });
    await put('/groups/support', {
      name: 'Support',
      members: ['anna', 'ben'],
      distribution: 'evenly',
      rings: 2,
      pickup: true,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    await put('/groups/waiting', {
      name: 'Waiting',
      members: ['anna'],
      distribution: 'in-order',
      rings: 2,
      pickup: false,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 600 },
    });
    await put(`/numbers/${encodeURIComponent(SUPPORT)}`, { group: 'support', extensions: true });
    await put(`/numbers/${encodeURIComponent(WAITING)}`, { group: 'waiting', extensions: false, holdMusic: HOLD_MUSIC });
    // A call on a quiet day loads the configuration into this instance's cache, then ends.
    const warm = await timedPost('/voice/incoming', { CallSid: sid('warm'), From: '+15550001111', To: SUPPORT, CallStatus: 'ringing' });
    expect(dialled(warm)).toEqual(['anna']);
    await timedPost('/voice/status', {
      CallSid: sid('warm'),
      From: '+15550001111',
      To: SUPPORT,
      CallStatus: 'completed',
      CallDuration: '5',
    });
  });

  afterAll(async () => {
    dynamo.process.kill('SIGCONT');
    await dynamo.stop();
  });

  it('answers every webhook within 3 s while DynamoDB Local is frozen, serving the caller, and writes nothing after answering', async () => {
    const before = await tableSnapshot();
    dynamo.process.kill('SIGSTOP');
    let answers: Answer[];
    try {
      answers = await Promise.all(webhooks.map((webhook) => timedPost(webhook.path, webhook.params)));
    } finally {
      dynamo.process.kill('SIGCONT');
    }

    for (const [index, webhook] of webhooks.entries()) {
      const answer = answers[index];
      expect(answer, webhook.name).toBeDefined();
      if (answer === undefined) continue;
      expect(answer.millis, `${webhook.name} answered after ${Math.round(answer.millis)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
      expect(answer.statusCode, webhook.name).toBe(200);
      webhook.serves(answer);
    }
    // Whatever the frozen database received it may apply now: wait, then nothing may have changed.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await tableSnapshot();
    expect(after).toEqual(before);
  });

  it('answers the recording callback with an error while the database is frozen, so the message is not acknowledged', async () => {
    dynamo.process.kill('SIGSTOP');
    let answer: Answer;
    try {
      answer = await timedPost('/voice/recording?g=support', {
        CallSid: sid('rec2'),
        RecordingSid: `RE${'3'.repeat(32)}`,
        RecordingUrl: 'https://api.twilio.com/rec',
        RecordingStatus: 'completed',
        RecordingDuration: '12',
      });
    } finally {
      dynamo.process.kill('SIGCONT');
    }
    expect(answer.statusCode).toBe(503);
    expect(answer.millis).toBeLessThan(ANSWER_WITHIN_MS);
  });

  it('serves every caller from the cached configuration once DynamoDB Local is killed', async () => {
    await dynamo.stop();

    const answers = await Promise.all(webhooks.map((webhook) => timedPost(webhook.path, webhook.params)));

    for (const [index, webhook] of webhooks.entries()) {
      const answer = answers[index];
      if (answer === undefined) continue;
      expect(answer.millis, `${webhook.name} answered after ${Math.round(answer.millis)} ms`).toBeLessThan(ANSWER_WITHIN_MS);
      webhook.serves(answer);
    }
  });
});
