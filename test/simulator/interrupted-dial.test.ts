import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_SID } from '../../bin/simulator/defaults.js';
import {
  Simulation,
  type Behaviours,
  type CallerScript,
  type InterruptedDialAction,
  type SimulationOptions,
  type Transport,
} from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { formatTranscript } from '../../bin/simulator/transcript.js';
import { createTestTwilioApi, type TestTwilioApi } from '../support/rest-client.js';

/**
 * SPEC 8: when the project moves a caller off a ringing <Dial> through the REST API, the <Dial> ends
 * with its legs canceled and Twilio requests its action with DialCallStatus=canceled. The docs do not
 * say when, so the engine plays each reading (`interruptedDialAction`).
 */
const TOKEN = 'simulator-test-token';
const BASE = 'https://project.example';
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

type Seen = { path: string; query: string; params: Record<string, string>; signatureValid: boolean; at: number };
type Route = (params: Record<string, string>) => string | Promise<string>;

const ringing: CallerScript = { id: 'ringing', from: '+15550001111', to: '+493000000001' };
/** The second call's webhook, 5 s in, is where the project moves the first call. */
const mover: CallerScript = { id: 'mover', from: '+15550002222', to: '+493000000002', at: 5 };

const LEG = 'statusCallbackEvent="initiated ringing answered completed"';
const OFFER = `<Dial action="result?t=1" timeout="20"><Client statusCallback="leg?m=anna" ${LEG}>anna</Client><Number statusCallback="leg?m=ben" ${LEG}>+491709999999</Number></Dial><Say>after the dial</Say>`;

let api: FakeTwilioApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/**
 * A stand-in project: the first call rings `dial`; the second call's webhook moves it with `move`
 * through the fake REST API. Every request is recorded with the simulated time it came.
 */
async function playMove(options: {
  reading?: InterruptedDialAction;
  dial?: string;
  routes?: Record<string, Route>;
  move: (client: TestTwilioApi, sid: string) => Promise<void>;
  devices?: Behaviours;
}) {
  const seen: Seen[] = [];
  let simulation: Simulation | undefined;
  let client: TestTwilioApi | undefined;
  let ringingSid = '';
  const routes: Record<string, Route> = {
    '/voice/incoming': async (params) => {
      if (params.To === ringing.to) {
        ringingSid = params.CallSid ?? '';
        return options.dial ?? OFFER;
      }
      if (client !== undefined) await options.move(client, ringingSid);
      return '<Hangup/>';
    },
    '/voice/result': () => '<Say>the ignored answer</Say>',
    '/voice/moved': () => '<Say>moved</Say>',
    ...options.routes,
  };
  const transport: Transport = async ({ url, params, signature }) => {
    const target = new URL(url);
    seen.push({
      path: target.pathname,
      query: target.search,
      params,
      signatureValid: validateRequest(TOKEN, signature, url, params),
      at: simulation?.clock.now ?? -1,
    });
    const route = routes[target.pathname];
    const body = route === undefined ? '' : await route(params);
    return { status: 200, body: body.startsWith('<Response') ? `${XML}${body}` : `${XML}<Response>${body}</Response>` };
  };
  const simulationOptions: SimulationOptions = {
    baseUrl: BASE,
    authToken: TOKEN,
    transport,
    ...(options.reading === undefined ? {} : { interruptedDialAction: options.reading }),
    ...(options.devices === undefined ? {} : { devices: options.devices }),
  };
  simulation = new Simulation(simulationOptions);
  api = new FakeTwilioApi(simulation, { accountSid: DEFAULT_ACCOUNT_SID, authToken: TOKEN });
  client = createTestTwilioApi({ baseUrl: await api.listen(0), accountSid: DEFAULT_ACCOUNT_SID, authToken: async () => TOKEN });
  const [first] = await simulation.run([ringing, mover]);
  if (first === undefined) throw new Error('no call was played');
  const mine = seen.filter((request) => request.params.CallSid === first.sid || request.params.ParentCallSid === first.sid);
  return { first, seen: mine, all: seen, simulation };
}

const redirectTo = (path: string) => (client: TestTwilioApi, sid: string) => client.redirectCall(sid, `${BASE}${path}`);
/** The first call's requests, leg callbacks left out: path@second. */
const parentRequests = (seen: readonly Seen[]): string[] =>
  seen.filter((request) => request.path !== '/voice/leg').map((request) => `${request.path}@${request.at}`);

describe('call simulator: a REST redirect of a call whose <Dial> rings', () => {
  it.each([
    ['before', ['/voice/incoming@0', '/voice/result@5', '/voice/moved@5', '/voice/status@6']],
    ['after', ['/voice/incoming@0', '/voice/moved@5', '/voice/result@5', '/voice/status@6']],
    ['never', ['/voice/incoming@0', '/voice/moved@5', '/voice/status@6']],
  ] as const)('interruptedDialAction %s: the <Dial> ends canceled and the call runs the redirected TwiML', async (reading, order) => {
    const { first, seen, simulation } = await playMove({ reading, move: redirectTo('/voice/moved') });

    expect(parentRequests(seen)).toEqual(order);
    expect(seen.filter((request) => !request.signatureValid).map((request) => request.path)).toEqual([]);
    // Every child leg is canceled, reported as Twilio reports a canceled child.
    const legs = seen.filter((request) => request.path === '/voice/leg');
    expect(legs.map((request) => `${request.query} ${request.params.CallStatus} ${request.params.SequenceNumber} @${request.at}`)).toEqual([
      '?m=anna initiated 0 @0',
      '?m=anna ringing 1 @0',
      '?m=ben initiated 0 @0',
      '?m=ben ringing 1 @0',
      '?m=anna canceled 2 @5',
      '?m=ben canceled 2 @5',
    ]);
    expect(first.offers.map((offer) => offer.status)).toEqual(['canceled']);
    expect(first.answeredBy).toBeUndefined();
    expect(first.errors).toEqual([]);
    const mine = simulation.events.filter((event) => event.call === 'ringing');
    expect(mine.flatMap((event) => (event.type === 'device' ? [`${event.noun}:${event.outcome}`] : []))).toEqual([
      'anna:canceled',
      '+491709999999:canceled',
    ]);
    expect(mine.find((event) => event.type === 'dial-end')).toMatchObject({ at: 5, status: 'canceled' });
    // The answer to the action is ignored: nothing after the <Dial> runs, the redirected TwiML does.
    const heard = mine.flatMap((event) => (event.type === 'say' ? [event.text] : []));
    expect(heard).toEqual(['moved']);
    const ignored = mine.filter((event) => event.type === 'dial-action-ignored');
    expect(ignored).toEqual(
      reading === 'never' ? [] : [expect.objectContaining({ at: 5, url: `${BASE}/voice/result?t=1`, verbs: ['Say'] })],
    );
  });

  it.each(['before', 'after'] as const)(
    'interruptedDialAction %s: the action gets DialCallStatus=canceled, CallStatus=in-progress and the usual parameters',
    async (reading) => {
      const { first, seen } = await playMove({ reading, move: redirectTo('/voice/moved') });

      const action = seen.find((request) => request.path === '/voice/result');
      expect(action?.query).toBe('?t=1');
      expect(action?.params).toMatchObject({
        AccountSid: DEFAULT_ACCOUNT_SID,
        ApiVersion: '2010-04-01',
        CallSid: first.sid,
        From: ringing.from,
        To: ringing.to,
        Direction: 'inbound',
        DialCallStatus: 'canceled',
        CallStatus: 'in-progress',
      });
      // DialCallSid names a leg of this <Dial> (the first one, as for a caller who hangs up while it rings).
      const firstLeg = seen.find((request) => request.path === '/voice/leg' && request.query === '?m=anna');
      expect(action?.params.DialCallSid).toBe(firstLeg?.params.CallSid);
      expect(action?.params).not.toHaveProperty('DialCallDuration');
    },
  );

  it('requests the action before the new TwiML by default', async () => {
    const { seen } = await playMove({ move: redirectTo('/voice/moved') });

    expect(parentRequests(seen)).toEqual(['/voice/incoming@0', '/voice/result@5', '/voice/moved@5', '/voice/status@6']);
  });

  it.each(['before', 'after'] as const)(
    'interruptedDialAction %s: a call updated with inline TwiML requests the action too, and runs the inline TwiML',
    async (reading) => {
      const { first, seen, simulation } = await playMove({
        reading,
        move: (client, sid) => client.updateCallTwiml(sid, `${XML}<Response><Say>inline</Say></Response>`),
      });

      expect(parentRequests(seen)).toEqual(['/voice/incoming@0', '/voice/result@5', '/voice/status@6']);
      expect(first.errors).toEqual([]);
      expect(
        simulation.events
          .filter((event) => event.call === 'ringing' && event.type === 'say')
          .map((event) => (event.type === 'say' ? event.text : '')),
      ).toEqual(['inline']);
    },
  );

  it.each(['before', 'after'] as const)(
    'interruptedDialAction %s: the ignored answer must still be TwiML Twilio accepts',
    async (reading) => {
      const { first } = await playMove({
        reading,
        move: redirectTo('/voice/moved'),
        routes: { '/voice/result': () => '<Dial timeout="2"><Client>anna</Client></Dial>' },
      });

      expect(first.ended).toBe('error');
      expect(first.errors[0]).toMatch(/timeout/i);
    },
  );

  it('interruptedDialAction never: an answer Twilio would refuse is never asked for', async () => {
    const { first } = await playMove({
      reading: 'never',
      move: redirectTo('/voice/moved'),
      routes: { '/voice/result': () => '<Dial timeout="2"><Client>anna</Client></Dial>' },
    });

    expect(first.errors).toEqual([]);
  });

  it('requests nothing for a ringing <Dial> without an action', async () => {
    const { seen } = await playMove({ dial: '<Dial timeout="20"><Client>anna</Client></Dial>', move: redirectTo('/voice/moved') });

    expect(parentRequests(seen)).toEqual(['/voice/incoming@0', '/voice/moved@5', '/voice/status@6']);
  });

  it('resolves the action against the document that named it and uses its method', async () => {
    const { first, all } = await playMove({
      dial: '<Dial action="../done" method="GET" timeout="20"><Sip>sip:clara@acme.sip.twilio.com</Sip></Dial>',
      move: redirectTo('/voice/moved'),
    });

    // A GET carries its parameters in the query.
    const action = all.find((request) => request.path === '/done');
    const query = new URLSearchParams(action?.query ?? '');
    expect([query.get('CallSid'), query.get('DialCallStatus'), query.get('CallStatus'), action?.at]).toEqual([
      first.sid,
      'canceled',
      'in-progress',
      5,
    ]);
    expect(action).toMatchObject({ signatureValid: true });
  });

  it('shows the canceled <Dial> and the ignored action in the transcript', async () => {
    const { first, simulation } = await playMove({ move: redirectTo('/voice/moved'), routes: { '/voice/result': () => '<Response/>' } });

    const transcript = formatTranscript(simulation.events, [first]);
    expect(transcript).toContain('offer ended: canceled');
    expect(transcript).toContain(
      `Twilio requests the interrupted <Dial>'s action ${BASE}/voice/result?t=1 (DialCallStatus=canceled); its answer is ignored: an empty <Response/>`,
    );
  });

  it('keeps the behaviour for a <Dial> already connected when the redirect comes: no action is requested', async () => {
    const { first, seen } = await playMove({ move: redirectTo('/voice/moved'), devices: { anna: { answerAfter: 2, hangUpAfter: 100 } } });

    expect(first.answeredBy).toBe('anna');
    expect(parentRequests(seen)).toEqual(['/voice/incoming@0', '/voice/moved@5', '/voice/status@6']);
  });
});
