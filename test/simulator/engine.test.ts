import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_SID } from '../../bin/simulator/defaults.js';
import type { Behaviours, Simulation, SimulationOptions } from '../../bin/simulator/engine.js';
import { STAND_IN_BASE, STAND_IN_TOKEN, standInProject, type Route } from '../support/stand-in-project.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { TwilioApiError } from '../../functions/twilio-api/client.js';
import { createTestTwilioApi, type TestTwilioApi } from '../support/rest-client.js';

const TOKEN = STAND_IN_TOKEN;
const BASE = STAND_IN_BASE;
const XML = '<?xml version="1.0" encoding="UTF-8"?>';

/** A stand-in project: TwiML per path; it checks every signature as the real project does. */
const setup = (routes: Record<string, Route>, options: Partial<SimulationOptions> & { devices?: Behaviours } = {}) =>
  standInProject(routes, options);

const caller = { id: 'c1', from: '+15550001111', to: '+493000000001' };

describe('call simulator: webhooks', () => {
  it('signs every request like Twilio and sends the incoming call parameters', async () => {
    const { simulation, seen } = setup({ '/voice/incoming': () => '<Say>Hello</Say>' });

    await simulation.run([caller]);

    expect(seen.filter((request) => !request.signatureValid).map((request) => request.path)).toEqual([]);
    expect(seen[0]?.params).toMatchObject({
      AccountSid: DEFAULT_ACCOUNT_SID,
      From: '+15550001111',
      To: '+493000000001',
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    });
    expect(seen[0]?.params.CallSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(seen.map((request) => request.path)).toEqual(['/voice/incoming', '/voice/status']);
    expect(seen[1]?.params).toMatchObject({ CallStatus: 'completed', CallDuration: '1' });
  });

  it('resolves relative URLs against the document that named them, as Twilio does', async () => {
    const { simulation, seen } = setup({
      '/voice/incoming': () => '<Redirect>next?step=1</Redirect>',
      '/voice/next': () => '<Redirect>/elsewhere</Redirect>',
      '/elsewhere': () => '<Hangup/>',
    });

    await simulation.run([caller]);

    expect(seen.map((request) => `${request.path}${request.query}`)).toEqual([
      '/voice/incoming',
      '/voice/next?step=1',
      '/elsewhere',
      '/voice/status',
    ]);
  });
});

describe('call simulator: <Gather>', () => {
  const routes = {
    '/voice/incoming': () => '<Gather action="digits" numDigits="3" timeout="3"><Say>Welcome to Acme</Say></Gather><Say>No keys</Say>',
    '/voice/digits': (params: Record<string, string>) => `<Say>You pressed ${params.Digits}</Say>`,
  };

  it('sends keys pressed while the prompt plays to the action, cut to numDigits', async () => {
    const { simulation, seen } = setup(routes);

    await simulation.run([{ ...caller, digits: '2001', digitsAfter: 1 }]);

    expect(seen[1]).toMatchObject({ path: '/voice/digits', params: expect.objectContaining({ Digits: '200' }), at: 1 });
  });

  it('counts keys pressed in the timeout after the prompt', async () => {
    const { simulation, seen } = setup(routes);

    // "Welcome to Acme" lasts 2 s; with timeout 3, keys at 4 s still count.
    await simulation.run([{ ...caller, digits: '20', digitsAfter: 4 }]);

    expect(seen[1]).toMatchObject({ path: '/voice/digits', params: expect.objectContaining({ Digits: '20' }), at: 7 });
  });

  it('ignores keys pressed after the prompt and its timeout, and goes on after the <Gather>', async () => {
    const { simulation, seen } = setup(routes);

    await simulation.run([{ ...caller, digits: '200', digitsAfter: 6 }]);

    expect(seen.map((request) => request.path)).toEqual(['/voice/incoming', '/voice/status']);
    expect(simulation.events.filter((event) => event.type === 'say').map((event) => (event.type === 'say' ? event.text : ''))).toEqual([
      'Welcome to Acme',
      'No keys',
    ]);
  });

  it('treats # as the end of input', async () => {
    const { simulation, seen } = setup(routes);

    await simulation.run([{ ...caller, digits: '1#', digitsAfter: 1 }]);

    expect(seen[1]?.params.Digits).toBe('1');
  });
});

describe('call simulator: <Dial>', () => {
  const dial = (nouns: string, attrs = 'timeout="20"') => ({
    '/voice/incoming': () => `<Dial action="result" ${attrs}>${nouns}</Dial>`,
    '/voice/result': () => '<Hangup/>',
  });

  it("rings for timeout plus Twilio's 5-second buffer before no-answer", async () => {
    const { simulation, seen } = setup(dial('<Client>anna</Client>'));

    await simulation.run([caller]);

    expect(seen[1]).toMatchObject({
      path: '/voice/result',
      at: 25,
      params: expect.objectContaining({ DialCallStatus: 'no-answer', CallStatus: 'in-progress' }),
    });
  });

  it('connects a device that answers inside the buffer', async () => {
    const { simulation, seen } = setup(dial('<Client>anna</Client>'), { devices: { anna: { answerAfter: 24, hangUpAfter: 30 } } });

    const [result] = await simulation.run([caller]);

    expect(result?.answeredBy).toBe('anna');
    expect(seen[1]).toMatchObject({
      at: 54,
      params: expect.objectContaining({ DialCallStatus: 'completed', DialCallDuration: '30', DialBridged: 'true' }),
    });
  });

  it('connects the first device to answer and stops the others ringing', async () => {
    const { simulation } = setup(dial('<Client>anna</Client><Client>ben</Client><Number>+491709999999</Number>'), {
      devices: { anna: { answerAfter: 6 }, ben: { answerAfter: 3 }, '+491709999999': 'no-answer' },
    });

    const [result] = await simulation.run([caller]);

    expect(result?.answeredBy).toBe('ben');
    expect(
      simulation.events
        .filter((event) => event.type === 'device')
        .map((event) => (event.type === 'device' ? `${event.noun}:${event.outcome}` : '')),
    ).toEqual(['ben:answered', 'anna:canceled', '+491709999999:canceled', 'ben:hung-up']);
  });

  it.each([
    ['busy', 'busy', 'busy'],
    ['reject', 'busy', 'rejected'],
    ['failed', 'failed', 'failed'],
  ] as const)('reports a device that is %s as DialCallStatus %s', async (behaviour, status, outcome) => {
    const { simulation, seen } = setup(dial('<Client>anna</Client>'), { devices: { anna: behaviour } });

    await simulation.run([caller]);

    expect(seen[1]?.params.DialCallStatus).toBe(status);
    expect(simulation.events.find((event) => event.type === 'device')).toMatchObject({ outcome });
  });

  it('uses a list of behaviours one per ring', async () => {
    const { simulation } = setup(
      {
        '/voice/incoming': () => '<Dial action="again" timeout="5"><Client>anna</Client></Dial>',
        '/voice/again': () => '<Dial timeout="5"><Client>anna</Client></Dial>',
      },
      { devices: { anna: ['no-answer', 'answer'] } },
    );

    const [result] = await simulation.run([caller]);

    expect(result?.offers.map((offer) => offer.status)).toEqual(['no-answer', 'completed']);
  });

  it('finds a device that is on another call busy', async () => {
    const { simulation } = setup(dial('<Client>anna</Client>'), { devices: { anna: { answerAfter: 1, hangUpAfter: 100 } } });

    const [first, second] = await simulation.run([caller, { ...caller, id: 'c2', at: 10 }]);

    expect(first?.answeredBy).toBe('anna');
    expect(second?.offers[0]?.status).toBe('busy');
  });

  it('posts the child-leg status callbacks a noun asks for, in sequence', async () => {
    const { simulation, seen } = setup(
      dial('<Client statusCallback="leg?m=anna" statusCallbackEvent="initiated ringing answered completed">anna</Client>'),
      { devices: { anna: { answerAfter: 4, hangUpAfter: 20 } } },
    );

    await simulation.run([caller]);

    const legs = seen.filter((request) => request.path === '/voice/leg');
    expect(legs.map((request) => [request.params.CallStatus, request.params.SequenceNumber, request.at])).toEqual([
      ['initiated', '0', 0],
      ['ringing', '1', 0],
      ['in-progress', '2', 4],
      ['completed', '3', 24],
    ]);
    expect(
      legs.map((request) => ({ parent: request.params.ParentCallSid, query: request.query, signatureValid: request.signatureValid })),
    ).toEqual(legs.map(() => ({ parent: seen[0]?.params.CallSid, query: '?m=anna', signatureValid: true })));
    expect(legs[3]?.params.CallDuration).toBe('20');
  });

  it('reports a caller who hangs up while it rings: DialCallStatus canceled, CallStatus completed', async () => {
    const { simulation, seen } = setup(dial('<Client>anna</Client>'));

    const [result] = await simulation.run([{ ...caller, hangUpAfter: 7 }]);

    expect(result?.ended).toBe('caller-hung-up');
    expect(seen[1]).toMatchObject({
      path: '/voice/result',
      at: 7,
      params: expect.objectContaining({ DialCallStatus: 'canceled', CallStatus: 'completed' }),
    });
    expect(seen[2]).toMatchObject({
      path: '/voice/status',
      params: expect.objectContaining({ CallStatus: 'completed', CallDuration: '7' }),
    });
  });
});

describe('call simulator: <Record>', () => {
  const routes = {
    '/voice/incoming': () =>
      '<Record action="done" recordingStatusCallback="https://project.example/voice/recording?g=support"/><Say>After record</Say>',
    '/voice/done': () => '<Say>Thanks</Say><Hangup/>',
  };

  it('sends the recording callback and the action with the message length', async () => {
    const { simulation, seen } = setup(routes);

    await simulation.run([{ ...caller, message: 8 }]);

    expect(seen.map((request) => request.path)).toEqual(['/voice/incoming', '/voice/recording', '/voice/done', '/voice/status']);
    expect(seen[1]?.params).toMatchObject({ RecordingStatus: 'completed', RecordingDuration: '8' });
    expect(seen[1]?.query).toBe('?g=support');
    expect(seen[2]?.params.RecordingSid).toBe(seen[1]?.params.RecordingSid);
  });

  it('can play the reading in which an empty recording does not request the action', async () => {
    const { simulation, seen } = setup(routes, { emptyRecordingRequestsAction: false });

    await simulation.run([{ ...caller, message: 0 }]);

    expect(seen.map((request) => request.path)).toEqual(['/voice/incoming', '/voice/recording', '/voice/status']);
  });
});

describe('call simulator: waiting lines and the REST API', () => {
  let api: FakeTwilioApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  async function withApi(simulation: Simulation): Promise<TestTwilioApi> {
    api = new FakeTwilioApi(simulation, { accountSid: DEFAULT_ACCOUNT_SID, authToken: TOKEN });
    const baseUrl = await api.listen(0);
    return createTestTwilioApi({ baseUrl, accountSid: DEFAULT_ACCOUNT_SID, authToken: async () => TOKEN });
  }

  const line = {
    '/voice/incoming': () => '<Enqueue action="left" waitUrl="hold">support</Enqueue><Say>after queue</Say>',
    '/voice/hold': (params: Record<string, string>) =>
      Number(params.QueueTime) >= 40 ? '<Leave/>' : '<Play>https://example.com/hold.mp3</Play><Pause length="10"/>',
    '/voice/left': (params: Record<string, string>) => `<Say>left ${params.QueueResult}</Say>`,
  };

  it('polls the waitUrl with the queue parameters and requests the action on <Leave>', async () => {
    const { simulation, seen } = setup(line, { playSeconds: 5 });

    await simulation.run([caller, { ...caller, id: 'c2', at: 3 }]);

    const holds = seen.filter((request) => request.path === '/voice/hold');
    expect(holds[0]?.params).toMatchObject({ QueuePosition: '1', QueueTime: '0', CurrentQueueSize: '1', MaxQueueSize: '1000' });
    expect(holds[0]?.params.QueueSid).toMatch(/^QU[0-9a-f]{32}$/);
    expect(holds.find((request) => request.at === 3)?.params).toMatchObject({ QueuePosition: '2', CurrentQueueSize: '2' });
    expect(holds.filter((request) => request.params.CallSid === seen[0]?.params.CallSid).map((request) => request.at)).toEqual([
      0, 15, 30, 45,
    ]);
    const left = seen.filter((request) => request.path === '/voice/left');
    expect(left[0]?.params).toMatchObject({ QueueResult: 'leave', QueueTime: '45' });
  });

  it.each(['error', 'system-error', 'bridging-in-process', 'redirected-from-bridged'] as const)(
    'can end a wait with QueueResult %s, as Twilio does on its own faults',
    async (fault) => {
      const { simulation, seen } = setup(line);

      await simulation.run([{ ...caller, queueFault: { after: 20, result: fault } }]);

      expect(seen.find((request) => request.path === '/voice/left')).toMatchObject({
        at: 20,
        params: expect.objectContaining({ QueueResult: fault, QueueTime: '20' }),
      });
      expect(simulation.events.filter((event) => event.type === 'say').map((event) => (event.type === 'say' ? event.text : ''))).toEqual([
        `left ${fault}`,
      ]);
    },
  );

  it('reports a full queue with QueueResult queue-full at once', async () => {
    const { simulation, seen } = setup(line, { queueMaxSize: 1 });

    await simulation.run([caller, { ...caller, id: 'c2', at: 2, hangUpAfter: 1 }]);

    expect(seen.filter((request) => request.path === '/voice/left')[0]?.params).toMatchObject({
      QueueResult: 'queue-full',
      QueueTime: '0',
    });
  });

  it('bridges the front caller to a call that dials the queue: QueueResult bridged after the talk', async () => {
    const { simulation, seen } = setup({
      ...line,
      '/voice/hold': () => '<Pause length="30"/>',
      '/voice/incoming': (params) => (params.To === '+493000000002' ? '<Dial><Queue>support</Queue></Dial>' : line['/voice/incoming']()),
    });

    const [waiting, agent] = await simulation.run([caller, { ...caller, id: 'agent', to: '+493000000002', at: 10 }]);

    expect(waiting?.answeredBy).toBe('agent');
    expect(agent?.offers).toEqual([]);
    expect(seen.find((request) => request.path === '/voice/left')).toMatchObject({
      at: 70,
      params: expect.objectContaining({ QueueResult: 'bridged', QueueTime: '10' }),
    });
  });

  it('reports a caller who hangs up while waiting with QueueResult hangup', async () => {
    const { simulation, seen } = setup(line);

    const [result] = await simulation.run([{ ...caller, hangUpAfter: 20 }]);

    expect(result?.ended).toBe('caller-hung-up');
    expect(seen.find((request) => request.path === '/voice/left')?.params).toMatchObject({
      QueueResult: 'hangup',
      CallStatus: 'completed',
    });
  });

  it('dequeues a waiting caller through the REST API: the action learns "redirected" and the call runs the Url', async () => {
    let client: TestTwilioApi | undefined;
    let waitingSid = '';
    let queueSid = '';
    const { simulation, seen } = setup({
      ...line,
      // The first call waits; the second call's webhook is where the project dequeues it.
      '/voice/incoming': (params) => (params.To === '+493000000002' ? '<Redirect>agent-free</Redirect>' : line['/voice/incoming']()),
      '/voice/hold': (params) => {
        waitingSid = params.CallSid ?? '';
        queueSid = params.QueueSid ?? '';
        return '<Pause length="60"/>';
      },
      '/voice/agent-free': async () => {
        await client?.dequeueMember(queueSid, waitingSid, `${BASE}/voice/connect`);
        return '<Hangup/>';
      },
      '/voice/connect': () => '<Say>Connecting you now</Say>',
    });
    client = await withApi(simulation);

    const [first] = await simulation.run([caller, { ...caller, id: 'c2', at: 12, to: '+493000000002' }]);

    const firstRequests = seen.filter((request) => request.params.CallSid === first?.sid).map((request) => `${request.path}@${request.at}`);
    expect(firstRequests).toEqual(['/voice/incoming@0', '/voice/hold@0', '/voice/left@12', '/voice/connect@12', '/voice/status@14']);
    expect(seen.find((request) => request.path === '/voice/left')?.params).toMatchObject({ QueueResult: 'redirected', QueueTime: '12' });
    expect(api?.requests[0]).toMatchObject({ method: 'POST', status: 200, params: { Url: `${BASE}/voice/connect`, Method: 'POST' } });
  });

  /**
   * The first call waits (a long pause); the second call's webhook, at 5 s, is where the project acts
   * on the first call through the REST API.
   */
  async function actOnWaitingCall(act: (client: TestTwilioApi, waitingSid: string) => Promise<void>, routes: Record<string, Route> = {}) {
    let client: TestTwilioApi | undefined;
    let waitingSid = '';
    const { simulation, seen } = setup({
      ...routes,
      '/voice/incoming': async (params) => {
        if (params.To === '+493000000001') {
          waitingSid = params.CallSid ?? '';
          return '<Pause length="100"/>';
        }
        if (client !== undefined) await act(client, waitingSid);
        return '<Hangup/>';
      },
    });
    client = await withApi(simulation);
    const [first] = await simulation.run([caller, { ...caller, id: 'c2', to: '+493000000002', at: 5 }]);
    return { first, seen };
  }

  it('redirects a live call at once with a Url, and with inline TwiML that uses absolute URLs', async () => {
    const { first, seen } = await actOnWaitingCall((client, sid) => client.redirectCall(sid, `${BASE}/voice/moved`), {
      '/voice/moved': () => `<Say>moved</Say>`,
    });

    expect(seen.filter((request) => request.params.CallSid === first?.sid).map((request) => `${request.path}@${request.at}`)).toEqual([
      '/voice/incoming@0',
      '/voice/moved@5',
      '/voice/status@6',
    ]);
  });

  it('fails a call redirected with inline TwiML that holds a relative URL', async () => {
    const { first } = await actOnWaitingCall((client, sid) =>
      client.updateCallTwiml(sid, `${XML}<Response><Redirect>relative</Redirect></Response>`),
    );

    expect(first?.errors[0]).toContain('relative URL in inline TwiML');
  });

  it('ends a live call', async () => {
    const { first } = await actOnWaitingCall((client, sid) => client.endCall(sid));

    expect(first).toMatchObject({ ended: 'hangup', endedAt: 5 });
  });

  it('validates REST requests as Twilio does', async () => {
    let firstSid = '';
    const outcomes: unknown[] = [];
    let good: TestTwilioApi | undefined;
    let wrongToken: TestTwilioApi | undefined;
    let wrongAccount: TestTwilioApi | undefined;
    const codeOf = async (work: () => Promise<void> | undefined): Promise<unknown> => {
      try {
        await work();
        return 'ok';
      } catch (error) {
        return error instanceof TwilioApiError ? [error.status, error.code] : String(error);
      }
    };
    const { simulation } = setup({
      '/voice/incoming': async (params) => {
        if (params.To === '+493000000001') {
          firstSid = params.CallSid ?? '';
          return '<Pause length="100"/>';
        }
        outcomes.push(await codeOf(() => wrongToken?.redirectCall(firstSid, `${BASE}/x`)));
        outcomes.push(await codeOf(() => wrongAccount?.redirectCall(firstSid, `${BASE}/x`)));
        outcomes.push(await codeOf(() => good?.redirectCall(`CA${'f'.repeat(32)}`, `${BASE}/x`)));
        outcomes.push(await codeOf(() => good?.redirectCall(firstSid, 'relative/url')));
        outcomes.push(await codeOf(() => good?.updateCallTwiml(firstSid, `${XML}<Response><Say>${'x'.repeat(4000)}</Say></Response>`)));
        outcomes.push(await codeOf(() => good?.dequeueMember(`QU${'0'.repeat(32)}`, firstSid, `${BASE}/x`)));
        return '<Hangup/>';
      },
    });
    good = await withApi(simulation);
    const baseUrl = api?.url ?? '';
    wrongToken = createTestTwilioApi({ baseUrl, accountSid: DEFAULT_ACCOUNT_SID, authToken: async () => 'wrong' });
    wrongAccount = createTestTwilioApi({ baseUrl, accountSid: `AC${'1'.repeat(32)}`, authToken: async () => TOKEN });

    await simulation.run([caller, { ...caller, id: 'c2', to: '+493000000002', at: 5 }]);
    const completed = await codeOf(() => good?.redirectCall(firstSid, `${BASE}/x`));
    const otherAccount = api?.answer(
      'POST',
      `/2010-04-01/Accounts/AC${'1'.repeat(32)}/Calls/${firstSid}.json`,
      { Url: `${BASE}/x` },
      `Basic ${Buffer.from(`${DEFAULT_ACCOUNT_SID}:${TOKEN}`).toString('base64')}`,
    );
    const unknownField = api?.answer(
      'POST',
      `/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}/Calls/${firstSid}.json`,
      { Colour: 'blue' },
      `Basic ${Buffer.from(`${DEFAULT_ACCOUNT_SID}:${TOKEN}`).toString('base64')}`,
    );

    expect(outcomes).toEqual([
      [401, 20003],
      [401, 20003],
      [404, 20404],
      [400, 21205],
      [400, 21218],
      [404, 20404],
    ]);
    expect(completed).toEqual([400, 21220]);
    expect(otherAccount).toMatchObject({ status: 404, body: { code: 20404 } });
    expect(unknownField).toMatchObject({ status: 400, body: { code: 20001, message: 'Unknown parameter: Colour' } });
  });
});
