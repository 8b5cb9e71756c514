import type { LambdaHttpHandler } from '../local/server.js';
import { putAdmin, signedVoicePost } from './in-process.js';
import { latencySlope, type startLatencyProxy } from './latency-proxy.js';
import { meter } from './request-meter.js';
import { unitsOf } from './units.js';

/**
 * Per webhook: DynamoDB requests, sequential round trips (the meter's count, confirmed by the latency
 * slope: each request delayed 0, 10 and 25 ms through the proxy), and read and write units computed
 * from item sizes (bin/bench/units.ts). Warm configuration cache, free members, as on a quiet day;
 * the waiting line is measured with WEBHOOK_LINE_LENGTH callers in it, to show that a hold-music
 * request reads the same whatever the line's length.
 */
export type WebhookDeps = {
  voice: LambdaHttpHandler;
  admin: LambdaHttpHandler;
  authToken: string;
  proxy: Awaited<ReturnType<typeof startLatencyProxy>>;
  report: (figure: string, fields: Record<string, unknown>) => void;
  /** Latency slopes need many repetitions: BENCH_SLOPE=0 skips them. */
  slopes: boolean;
};

const LINE_LENGTH = 200;
/** Timed repetitions per delay (0, 10, 25 ms), and the runs that makes with the untimed warm-up. */
const SLOPE_REPEATS = 9;
const SLOPE_RUNS = 3 * SLOPE_REPEATS + 1;
const CALLER = '+15550001111';
const N = {
  evenly: '+4930000701',
  inOrder: '+4930000702',
  allAtOnce: '+4930000703',
  greeting: '+4930000704',
  extensions: '+4930000705',
  line: '+4930000706',
  forward: '+4930000707',
  slope: '+4930000708',
} as const;

export async function webhookFigures(deps: WebhookDeps): Promise<void> {
  const { voice, admin, authToken, report } = deps;
  let sequence = 0;
  const callSid = (): string => `CA${'7'.repeat(8)}${String((sequence += 1)).padStart(24, '0')}`;
  const post = signedVoicePost(voice, authToken);
  const attribute = (twiml: string, verb: string, name: string): string => {
    const value = new RegExp(`<${verb}[^>]* ${name}="([^"]+)"`).exec(twiml)?.[1];
    if (value === undefined) throw new Error(`no <${verb} ${name}> in ${twiml}`);
    return `/voice/${value.replaceAll('&amp;', '&')}`;
  };
  const incoming = (sid: string, to: string): Record<string, string> => ({ CallSid: sid, From: CALLER, To: to, CallStatus: 'ringing' });
  const hangUp = (sid: string, to: string): Promise<string> =>
    post('/voice/status', { CallSid: sid, From: CALLER, To: to, CallStatus: 'completed', CallDuration: '5' });
  const measure = async (webhook: string, run: () => Promise<string>, slope?: () => Promise<unknown>): Promise<string> => {
    const metered = await meter(run);
    const units = unitsOf(metered.requests);
    const slopeFigure =
      slope !== undefined && deps.slopes ? (await latencySlope(slope, deps.proxy, { repeats: SLOPE_REPEATS })).roundTrips : undefined;
    report('webhook', {
      webhook,
      requests: metered.requests.length,
      roundTrips: metered.roundTrips,
      ...(slopeFigure === undefined ? {} : { roundTripsFromLatencySlope: slopeFigure }),
      readUnits: units.readUnits,
      writeUnits: units.writeUnits,
    });
    return metered.value;
  };

  const members = ['w1', 'w2', 'w3', 'w4'];
  for (const [index, id] of members.entries())
    await putAdmin(admin, `/users/${id}`, { name: id, extension: `7${index + 1}`, devices: [{ type: 'client', identity: id }] });
  await putAdmin(admin, '/groups/w-evenly', {
    name: 'evenly',
    members,
    distribution: 'evenly',
    extension: '79',
    whenNobodyAnswers: { action: 'voicemail' },
  });
  await putAdmin(admin, '/groups/w-in-order', {
    name: 'in-order',
    members: ['w1', 'w2'],
    distribution: 'in-order',
    whenNobodyAnswers: { action: 'voicemail' },
  });
  await putAdmin(admin, '/groups/w-all', {
    name: 'all-at-once',
    members,
    distribution: 'all-at-once',
    whenNobodyAnswers: { action: 'voicemail' },
  });
  await putAdmin(admin, '/groups/w-forward', {
    name: 'forward',
    members: ['w3'],
    distribution: 'in-order',
    whenNobodyAnswers: { action: 'forward-to-number', number: '+491701111111' },
  });
  await putAdmin(admin, '/users/w-line', { name: 'line member', devices: [{ type: 'client', identity: 'w-line' }] });
  await putAdmin(admin, '/groups/w-line', {
    name: 'line',
    members: ['w-line'],
    distribution: 'in-order',
    whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 3600, announcePosition: true },
  });
  // Enough members that every timed run of both slopes rings a free one (no clean-up between runs): 3 x 28 of 90.
  const many = Array.from({ length: 90 }, (_, index) => `s${index}`);
  for (const id of many) await putAdmin(admin, `/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  await putAdmin(admin, '/groups/w-slope', {
    name: 'slope',
    members: many,
    distribution: 'evenly',
    whenNobodyAnswers: { action: 'voicemail' },
  });
  for (const [number, group, extra] of [
    [N.evenly, 'w-evenly', {}],
    [N.inOrder, 'w-in-order', {}],
    [N.allAtOnce, 'w-all', {}],
    [N.greeting, 'w-evenly', { greeting: { say: 'Welcome' } }],
    [N.extensions, 'w-evenly', { greeting: { say: 'Welcome' }, extensions: true }],
    [N.line, 'w-line', {}],
    [N.forward, 'w-forward', {}],
    [N.slope, 'w-slope', {}],
  ] as const) {
    await putAdmin(admin, `/numbers/${encodeURIComponent(number)}`, { group, ...extra });
  }
  // Warm the configuration cache, as any earlier call would.
  const warm = callSid();
  await post('/voice/incoming', incoming(warm, N.inOrder));
  await hangUp(warm, N.inOrder);

  for (const [label, to] of [
    ['incoming (evenly)', N.evenly],
    ['incoming (in-order)', N.inOrder],
    ['incoming (all-at-once)', N.allAtOnce],
    ['incoming (greeting)', N.greeting],
    ['incoming (greeting with extensions)', N.extensions],
  ] as const) {
    const sid = callSid();
    await measure(
      label,
      () => post('/voice/incoming', incoming(sid, to)),
      label === 'incoming (evenly)' ? () => post('/voice/incoming', incoming(callSid(), N.slope)) : undefined,
    );
    await hangUp(sid, to);
  }
  for (const [label, digits] of [
    ['extension (group)', '79'],
    ['extension (member)', '72'],
  ] as const) {
    const sid = callSid();
    await measure(label, () =>
      post('/voice/extension?g=w-evenly', { ...incoming(sid, N.extensions), CallStatus: 'in-progress', Digits: digits }),
    );
    await hangUp(sid, N.extensions);
  }
  const afterGreeting = callSid();
  await measure('group after the greeting', () =>
    post('/voice/group?g=w-evenly', { ...incoming(afterGreeting, N.greeting), CallStatus: 'in-progress' }),
  );
  await hangUp(afterGreeting, N.greeting);

  // The next offer: each timed repetition needs a call whose first offer rings.
  const firstOffers: { sid: string; action: string }[] = [];
  if (deps.slopes)
    for (let index = 0; index < SLOPE_RUNS; index += 1) {
      const sid = callSid();
      firstOffers.push({ sid, action: attribute(await post('/voice/incoming', incoming(sid, N.slope)), 'Dial', 'action') });
    }
  const nextOfferRun = (): Promise<string> => {
    const first = firstOffers.shift();
    if (first === undefined) throw new Error('no prepared first offer left');
    return post(first.action, { ...incoming(first.sid, N.slope), CallStatus: 'in-progress', DialCallStatus: 'no-answer' });
  };
  const sid = callSid();
  const first = await post('/voice/incoming', incoming(sid, N.inOrder));
  const second = await measure(
    'dial-result not answered -> next offer',
    () => post(attribute(first, 'Dial', 'action'), { ...incoming(sid, N.inOrder), CallStatus: 'in-progress', DialCallStatus: 'no-answer' }),
    nextOfferRun,
  );
  const voicemail = await measure('dial-result not answered -> voicemail', () =>
    post(attribute(second, 'Dial', 'action'), { ...incoming(sid, N.inOrder), CallStatus: 'in-progress', DialCallStatus: 'no-answer' }),
  );
  await measure('voicemail-done', () =>
    post(attribute(voicemail, 'Record', 'action'), {
      ...incoming(sid, N.inOrder),
      CallStatus: 'in-progress',
      RecordingSid: `RE${'7'.repeat(32)}`,
      RecordingUrl: 'https://api.twilio.com/recording',
      RecordingDuration: '12',
    }),
  );
  await hangUp(sid, N.inOrder);
  const forwarded = callSid();
  const offer = await post('/voice/incoming', incoming(forwarded, N.forward));
  await measure('dial-result not answered -> forward', () =>
    post(attribute(offer, 'Dial', 'action'), { ...incoming(forwarded, N.forward), CallStatus: 'in-progress', DialCallStatus: 'busy' }),
  );
  await hangUp(forwarded, N.forward);

  // The waiting line: its member talks on a call, LINE_LENGTH callers wait, one more joins.
  const talking = callSid();
  await post('/voice/incoming', incoming(talking, N.line));
  await post('/voice/leg?m=w-line', { CallSid: callSid(), ParentCallSid: talking, CallStatus: 'in-progress', SequenceNumber: '1' });
  for (let index = 0; index < LINE_LENGTH; index += 1) await post('/voice/incoming', incoming(callSid(), N.line));
  const waiting = callSid();
  const enqueue = await measure(`line join (${LINE_LENGTH} callers waiting)`, () => post('/voice/incoming', incoming(waiting, N.line)));
  const waitUrl = attribute(enqueue, 'Enqueue', 'waitUrl');
  for (const request of [1, 2]) {
    await measure(`waitUrl, request ${request} (${LINE_LENGTH} callers ahead)`, () =>
      post(waitUrl, {
        ...incoming(waiting, N.line),
        CallStatus: 'in-progress',
        QueueSid: `QU${'7'.repeat(32)}`,
        QueueTime: String(30 * request),
        QueuePosition: String(LINE_LENGTH + 1),
      }),
    );
  }
  // Nothing listens where the REST API would be: the offer's move fails and the claim is released.
  await measure('leg completed: member freed -> line offer -> REST fails -> release', () =>
    post('/voice/leg?m=w-line', {
      CallSid: `CA${'8'.repeat(32)}`,
      ParentCallSid: talking,
      CallStatus: 'completed',
      SequenceNumber: '2',
      CallDuration: '60',
    }),
  );
  await measure('status (an answered call ends)', () => hangUp(talking, N.line));
}
