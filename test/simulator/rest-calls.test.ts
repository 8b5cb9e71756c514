import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ACCOUNT_SID } from '../../bin/simulator/defaults.js';
import { Simulation, type Behaviours, type CallResult, type CallerScript } from '../../bin/simulator/engine.js';
import { STAND_IN_BASE, STAND_IN_TOKEN, standInProject, type Route, type Seen } from '../support/stand-in-project.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkExpectation, readScenario, scenarioSchema } from '../../bin/simulator/scenario.js';
import { formatTranscript } from '../../bin/simulator/transcript.js';

/**
 * Calls the project creates through the REST API (POST /Calls.json): validated as Twilio validates
 * them, started at most one per second, rung at the device of their `To`, and once answered run
 * like any call, with their own status callbacks.
 */
const TOKEN = STAND_IN_TOKEN;
const BASE = STAND_IN_BASE;
const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const NUMBER = '+493000000001';
const CUSTOMER = '+15550001111';
const AUTH = `Basic ${Buffer.from(`${DEFAULT_ACCOUNT_SID}:${TOKEN}`).toString('base64')}`;
const CALLS = `/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}/Calls.json`;

type Form = [string, string][];

let api: FakeTwilioApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** POST /Calls.json over HTTP as the project's client sends it: form-encoded, names repeated for lists. */
async function create(form: Form): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${api?.url ?? ''}${CALLS}`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const ALL_EVENTS: Form = ['initiated', 'ringing', 'answered', 'completed'].map((event) => ['StatusCallbackEvent', event]);

/** A created call's form: to a device, its TwiML at /voice/callback, its status callback at /voice/created-status. */
const callback = (to: string, more: Form = []): Form => [
  ['To', to],
  ['From', NUMBER],
  ['Url', `${BASE}/voice/callback`],
  ['StatusCallback', `${BASE}/voice/created-status`],
  ...ALL_EVENTS,
  ...more,
];

/**
 * A stand-in project: the first call's webhook creates the calls `forms` through the fake REST API;
 * every request is recorded with the simulated second it came.
 */
async function play(options: { forms: Form[]; routes?: Record<string, Route>; devices?: Behaviours; callers?: CallerScript[] }) {
  const answers: { status: number; body: Record<string, unknown> }[] = [];
  const routes: Record<string, Route> = {
    '/voice/incoming': async () => {
      for (const form of options.forms) answers.push(await create(form));
      return '<Hangup/>';
    },
    '/voice/callback': () =>
      `<Say>Calling back your customer</Say><Dial action="callback-result" callerId="${NUMBER}" timeout="20"><Number>${CUSTOMER}</Number></Dial>`,
    '/voice/callback-result': () => '<Hangup/>',
    ...options.routes,
  };
  const { simulation, seen } = standInProject(routes, {
    statusCallbackPath: null,
    accountNumbers: [NUMBER],
    ...(options.devices === undefined ? {} : { devices: options.devices }),
  });
  api = new FakeTwilioApi(simulation, { accountSid: DEFAULT_ACCOUNT_SID, authToken: TOKEN });
  await api.listen(0);
  const results = await simulation.run(options.callers ?? [{ id: 'c1', from: CUSTOMER, to: NUMBER }]);
  const byId = new Map(results.map((result) => [result.id, result]));
  return { simulation, seen, answers, results, byId, records: api.requests };
}

const created = (byId: ReadonlyMap<string, CallResult>, id = 'rest-1'): CallResult => {
  const result = byId.get(id);
  if (result === undefined) throw new Error(`no call ${id}`);
  return result;
};
const of = (seen: readonly Seen[], sid: string | undefined, path: string): Seen[] =>
  seen.filter((request) => request.path === path && request.params.CallSid === sid);

describe('fake REST API: creating calls', () => {
  /** Answers to single create requests, outside any call (the simulation's numbers: NUMBER). */
  function answer(params: Record<string, string>, lists: Record<string, string[]> = {}) {
    const simulation = new Simulation({
      baseUrl: BASE,
      authToken: TOKEN,
      transport: async () => ({ status: 200, body: '' }),
      accountNumbers: [NUMBER],
    });
    const fake = new FakeTwilioApi(simulation, { accountSid: DEFAULT_ACCOUNT_SID, authToken: TOKEN });
    return { simulation, answer: fake.answer('POST', CALLS, params, AUTH, lists) };
  }
  const good = { To: 'client:anna', From: NUMBER, Url: `${BASE}/voice/callback` };

  it.each([
    ['no To', { From: NUMBER, Url: good.Url }, 21201],
    ['no From', { To: 'client:anna', Url: good.Url }, 21213],
    ['neither Url nor Twiml', { To: 'client:anna', From: NUMBER }, 21205],
    ['a relative Url', { ...good, Url: '/voice/callback' }, 21205],
    ['a Method other than GET or POST', { ...good, Method: 'PUT' }, 21205],
    ['a StatusCallback that is no URL', { ...good, StatusCallback: 'status' }, 21609],
    ['a StatusCallbackEvent Twilio does not send', { ...good, StatusCallbackEvent: 'done' }, 21626],
    ['a Timeout that is not a whole number', { ...good, Timeout: '2.5' }, 21208],
    ['a Timeout of 0', { ...good, Timeout: '0' }, 21208],
    ['a To that is no address', { ...good, To: 'anna' }, 21211],
    ['a To that is the From', { ...good, To: NUMBER }, 21211],
    ['a From that is no phone number when To is one', { ...good, To: CUSTOMER, From: 'client:desk' }, 21212],
    ["a From that is not one of the account's numbers", { ...good, From: '+493099999999' }, 21210],
    ['an unknown parameter', { ...good, Colour: 'blue' }, 20001],
    ['a parameter the simulator does not play', { ...good, MachineDetection: 'Enable' }, 20001],
  ])("refuses %s with Twilio's error code", (_what, params, code) => {
    const { simulation, answer: refused } = answer(params);

    expect(refused).toMatchObject({ status: 400, body: { code, status: 400, more_info: `https://www.twilio.com/docs/errors/${code}` } });
    expect(refused.createdCall).toBeUndefined();
    expect(simulation.events).toEqual([]);
  });

  it('words a missing Url as Twilio does', () => {
    expect(answer({ To: 'client:anna', From: NUMBER }).answer.body.message).toBe(
      'Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml',
    );
  });

  it('checks every StatusCallbackEvent of a repeated parameter', () => {
    const lists = { StatusCallbackEvent: ['initiated', 'answred'] };

    expect(answer({ ...good, StatusCallbackEvent: 'answred' }, lists).answer.body.code).toBe(21626);
    expect(answer({ ...good, StatusCallbackEvent: 'completed' }, { StatusCallbackEvent: ['initiated', 'completed'] }).answer.status).toBe(
      201,
    );
  });

  it('answers 201 with the Call resource: queued, outbound-api', () => {
    const { answer: made } = answer({ ...good, Twiml: `${XML}<Response><Say>ignored: Url wins</Say></Response>` });

    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      account_sid: DEFAULT_ACCOUNT_SID,
      status: 'queued',
      direction: 'outbound-api',
      to: 'client:anna',
      from: NUMBER,
      api_version: '2010-04-01',
      queue_time: '0',
    });
    expect(made.body.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(made.body.uri).toBe(`/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}/Calls/${String(made.body.sid)}.json`);
  });

  it("takes the account's numbers from its seed and from the numbers callers dial", async () => {
    const simulation = new Simulation({
      baseUrl: BASE,
      authToken: TOKEN,
      transport: async () => ({ status: 200, body: `${XML}<Response/>` }),
      statusCallbackPath: null,
    });
    const fake = new FakeTwilioApi(
      simulation,
      { accountSid: DEFAULT_ACCOUNT_SID, authToken: TOKEN },
      { phoneNumbers: [{ phoneNumber: '+493000000009' }] },
    );
    const before = fake.answer('POST', CALLS, { ...good, From: '+493000000002' }, AUTH);

    await simulation.run([{ id: 'c1', from: CUSTOMER, to: '+493000000002' }]);

    expect(before.body.code).toBe(21210);
    expect(fake.answer('POST', CALLS, { ...good, From: '+493000000002' }, AUTH).status).toBe(201);
    expect(fake.answer('POST', CALLS, { ...good, From: '+493000000009' }, AUTH).status).toBe(201);
  });

  it("cannot tell the account's numbers when none are declared: any E.164 From passes", () => {
    const simulation = new Simulation({ baseUrl: BASE, authToken: TOKEN, transport: async () => ({ status: 200, body: '' }) });
    const fake = new FakeTwilioApi(simulation, { accountSid: DEFAULT_ACCOUNT_SID, authToken: TOKEN });

    expect(fake.answer('POST', CALLS, { ...good, From: '+493099999999' }, AUTH).status).toBe(201);
    expect(fake.answer('POST', CALLS, { ...good, From: '4930' }, AUTH).status).toBe(201);
    expect(fake.answer('POST', CALLS, { ...good, To: CUSTOMER, From: '4930' }, AUTH).body.code).toBe(21212);
  });
});

describe('call simulator: calls created through the REST API', () => {
  it("starts a burst of 5 creates one per simulated second, as Twilio's default CPS", async () => {
    const forms = [1, 2, 3, 4, 5].map((n) => callback(`client:agent${n}`));

    const { answers, records, results, simulation } = await play({
      forms,
      devices: { agent1: 'busy', agent2: 'busy', agent3: 'busy', agent4: 'busy', agent5: 'busy' },
    });

    const creates = records.filter((record) => record.path === CALLS);
    expect(
      creates.map((record) => [
        record.status,
        record.at,
        record.createdCall?.id,
        record.createdCall?.requestedAt,
        record.createdCall?.startsAt,
      ]),
    ).toEqual([
      [201, 0, 'rest-1', 0, 0],
      [201, 0, 'rest-2', 0, 1],
      [201, 0, 'rest-3', 0, 2],
      [201, 0, 'rest-4', 0, 3],
      [201, 0, 'rest-5', 0, 4],
    ]);
    expect(creates[0]?.lists?.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    expect(answers.map((answer) => answer.body.queue_time)).toEqual(['0', '1000', '2000', '3000', '4000']);
    expect(results.slice(1).map((result) => [result.id, result.startedAt, result.created?.requestedAt, result.created?.startsAt])).toEqual([
      ['rest-1', 0, 0, 0],
      ['rest-2', 1, 0, 1],
      ['rest-3', 2, 0, 2],
      ['rest-4', 3, 0, 3],
      ['rest-5', 4, 0, 4],
    ]);
    expect(simulation.events.filter((event) => event.type === 'call-created').map((event) => [event.call, event.at])).toEqual([
      ['rest-1', 0],
      ['rest-2', 0],
      ['rest-3', 0],
      ['rest-4', 0],
      ['rest-5', 0],
    ]);
    expect(
      simulation.events.filter((event) => event.type === 'call-start' && event.direction === 'outbound-api').map((event) => event.at),
    ).toEqual([0, 1, 2, 3, 4]);
  });

  it("paces at the account's callsPerSecond when it is raised", async () => {
    const seen: number[] = [];
    const simulation = new Simulation({
      baseUrl: BASE,
      authToken: TOKEN,
      transport: async () => ({ status: 200, body: `${XML}<Response/>` }),
      accountNumbers: [NUMBER],
      callsPerSecond: 2,
    });
    for (let index = 0; index < 4; index += 1)
      seen.push(
        simulation.createCall({
          to: 'client:a',
          from: NUMBER,
          url: `${BASE}/x`,
          method: 'POST',
          statusCallbackMethod: 'POST',
          statusCallbackEvents: ['completed'],
          timeout: 5,
        }).startsAt,
      );

    expect(seen).toEqual([0, 0.5, 1, 1.5]);
  });

  it('rings a client that answers, runs its Url as an outbound-api call, and bridges the number its <Dial> rings', async () => {
    const { seen, byId, simulation } = await play({
      forms: [callback('client:anna')],
      devices: { anna: { answerAfter: 3, hangUpAfter: 100 }, [CUSTOMER]: { answerAfter: 4, hangUpAfter: 30 } },
    });

    const call = created(byId);
    expect(call).toMatchObject({
      from: NUMBER,
      to: 'client:anna',
      startedAt: 0,
      answeredBy: 'anna',
      answeredAt: 3,
      talkSeconds: 30,
      endedAt: 39,
      ended: 'hangup',
      errors: [],
      created: { requestedAt: 0, startsAt: 0, status: 'completed' },
    });
    expect(call.offers).toEqual([expect.objectContaining({ nouns: [CUSTOMER], status: 'completed', answeredBy: CUSTOMER })]);
    const url = of(seen, call.sid, '/voice/callback');
    expect(url).toEqual([
      expect.objectContaining({
        at: 3,
        signatureValid: true,
        params: expect.objectContaining({
          AccountSid: DEFAULT_ACCOUNT_SID,
          ApiVersion: '2010-04-01',
          CallStatus: 'in-progress',
          Direction: 'outbound-api',
          From: NUMBER,
          To: 'client:anna',
        }),
      }),
    ]);
    // "Calling back your customer" lasts 2 s; the customer answers 4 s into the ring and talks 30 s.
    expect(of(seen, call.sid, '/voice/callback-result')).toEqual([
      expect.objectContaining({
        at: 39,
        params: expect.objectContaining({ DialCallStatus: 'completed', DialBridged: 'true', DialCallDuration: '30' }),
      }),
    ]);
    const statuses = of(seen, call.sid, '/voice/created-status');
    expect(
      statuses.map((request) => [request.params.CallStatus, request.params.SequenceNumber, request.at, request.params.Direction]),
    ).toEqual([
      ['initiated', '0', 0, 'outbound-api'],
      ['ringing', '1', 0, 'outbound-api'],
      ['in-progress', '2', 3, 'outbound-api'],
      ['completed', '3', 39, 'outbound-api'],
    ]);
    expect(statuses.every((request) => request.signatureValid)).toBe(true);
    expect(statuses[3]?.params.CallDuration).toBe('36');
    expect(checkExpectation({ call: 'rest-1', answeredBy: 'anna' }, byId, simulation.events, undefined)).toBeUndefined();
    expect(checkExpectation({ call: 'rest-1', dialled: CUSTOMER }, byId, simulation.events, undefined)).toBeUndefined();
    expect(checkExpectation({ call: 'rest-1', hears: 'Calling back' }, byId, simulation.events, undefined)).toBeUndefined();
    expect(checkExpectation({ call: 'rest-2', answeredBy: 'anna' }, byId, simulation.events, undefined)).toBe(
      'the project did not create call rest-2 (it created 1)',
    );
  });

  it('gives the <Dial> action no-answer when the number it rings does not answer', async () => {
    const { seen, byId } = await play({ forms: [callback('client:anna')], devices: { anna: { answerAfter: 3, hangUpAfter: 100 } } });

    const call = created(byId);
    // The number is not in the devices map: it does not answer; the <Dial> rings 20 + 5 s from 5 s.
    expect(of(seen, call.sid, '/voice/callback-result')).toEqual([
      expect.objectContaining({ at: 30, params: expect.objectContaining({ DialCallStatus: 'no-answer', CallStatus: 'in-progress' }) }),
    ]);
    expect(call.offers.map((offer) => offer.status)).toEqual(['no-answer']);
    expect(call).toMatchObject({ answeredBy: 'anna', talkSeconds: 0, created: { status: 'completed' } });
  });

  it.each([
    ['does not answer', 'no-answer', 20],
    ['is busy', 'busy', 1],
    ['rejects the call', 'busy', 1],
    ['cannot be reached', 'failed', 0],
  ] as const)('ends a created call whose device %s as %s, without requesting its Url', async (what, status, at) => {
    const behaviour = {
      'does not answer': 'no-answer',
      'is busy': 'busy',
      'rejects the call': 'reject',
      'cannot be reached': 'failed',
    } as const;

    const { seen, byId, simulation } = await play({
      forms: [callback('client:ben', [['Timeout', '15']])],
      devices: { ben: behaviour[what] },
    });

    const call = created(byId);
    expect(of(seen, call.sid, '/voice/callback')).toEqual([]);
    expect(call).toMatchObject({ ended: status, endedAt: at, created: { status } });
    expect(call.answeredBy).toBeUndefined();
    expect(
      of(seen, call.sid, '/voice/created-status').map((request) => [request.params.CallStatus, request.at, request.params.CallDuration]),
    ).toEqual([
      ['initiated', 0, undefined],
      ['ringing', 0, undefined],
      [status, at, '0'],
    ]);
    expect(formatTranscript(simulation.events, [call])).toContain(`the created call ends unanswered: ${status}`);
  });

  it('sends only the completed status callback when no StatusCallbackEvent is given', async () => {
    const { seen, byId } = await play({
      forms: [
        [
          ['To', CUSTOMER],
          ['From', NUMBER],
          ['Twiml', `${XML}<Response><Say>Your table is ready</Say></Response>`],
          ['StatusCallback', `${BASE}/voice/created-status`],
          ['Method', 'GET'],
        ],
      ],
      devices: { [CUSTOMER]: 'answer' },
    });

    const call = created(byId);
    expect(of(seen, call.sid, '/voice/created-status').map((request) => [request.params.CallStatus, request.at])).toEqual([
      ['completed', 4],
    ]);
    expect(call).toMatchObject({ answeredBy: CUSTOMER, ended: 'document-ended' });
  });

  it('ends the created call and its bridge when the answering device hangs up', async () => {
    const { seen, byId, simulation } = await play({
      forms: [callback('client:anna')],
      devices: { anna: { answerAfter: 2, hangUpAfter: 10 }, [CUSTOMER]: 'answer' },
    });

    const call = created(byId);
    // Anna answers at 2 and hangs up 10 s later, at 12, in the middle of the bridge that began at 6.
    expect(of(seen, call.sid, '/voice/callback-result')).toEqual([
      expect.objectContaining({
        at: 12,
        params: expect.objectContaining({ DialCallStatus: 'completed', CallStatus: 'completed', DialCallDuration: '6' }),
      }),
    ]);
    expect(call).toMatchObject({ ended: 'caller-hung-up', endedAt: 12 });
    expect(simulation.events.find((event) => event.call === 'rest-1' && event.type === 'hangup')).toMatchObject({ by: 'callee' });
    expect(of(seen, call.sid, '/voice/created-status').at(-1)?.params).toMatchObject({ CallStatus: 'completed', CallDuration: '10' });
  });

  it("fails a <Dial> whose callerId is not one of the account's numbers, with Twilio's warning 13214", async () => {
    const { seen, byId, simulation } = await play({
      forms: [callback('client:anna')],
      devices: { anna: { answerAfter: 3, hangUpAfter: 100 }, [CUSTOMER]: 'answer' },
      routes: { '/voice/callback': () => `<Dial action="callback-result" callerId="+493099999999"><Number>${CUSTOMER}</Number></Dial>` },
    });

    const call = created(byId);
    expect(of(seen, call.sid, '/voice/callback-result')[0]).toMatchObject({
      at: 3,
      params: expect.objectContaining({ DialCallStatus: 'failed' }),
    });
    expect(call.warnings?.[0]).toContain('13214');
    expect(simulation.events.find((event) => event.type === 'warning')).toMatchObject({ call: 'rest-1', code: 13214 });
  });

  it("requires a callerId when a softphone's call dials a phone number", async () => {
    const { seen } = await play({
      forms: [],
      callers: [{ id: 'desk', from: 'client:anna', to: CUSTOMER, path: '/voice/outbound' }],
      routes: {
        '/voice/outbound': () => `<Dial action="callback-result"><Number>${CUSTOMER}</Number></Dial>`,
      },
    });

    expect(seen.find((request) => request.path === '/voice/callback-result')?.params.DialCallStatus).toBe('failed');
  });

  it('shows a created call through GET /Calls/{CallSid}.json, with its final status', async () => {
    const { byId } = await play({ forms: [callback('client:ben')], devices: { ben: 'busy' } });

    const call = created(byId);
    const fetched = api?.answer('GET', `/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}/Calls/${call.sid}.json`, {}, AUTH);
    expect(fetched).toMatchObject({ status: 200, body: { sid: call.sid, status: 'busy', direction: 'outbound-api', to: 'client:ben' } });
  });
});

describe('scenario files: created calls', () => {
  const file = (scenario: unknown): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'scenario-')), 'created.json');
    writeFileSync(path, JSON.stringify(scenario));
    return path;
  };

  it('lets expectations name the calls the project creates, rest-1 and on, with their end', () => {
    const scenario = readScenario(
      file({
        name: 'callback',
        calls: [{ id: 'c1', to: NUMBER }],
        expect: [
          { call: 'rest-1', answeredBy: 'anna' },
          { call: 'rest-2', ended: 'no-answer' },
        ],
      }),
    );

    expect(scenario.expect).toHaveLength(2);
  });

  it('keeps rest-<n> for created calls: a scenario call of that name is refused', () => {
    expect(scenarioSchema.safeParse({ name: 'n', calls: [{ id: 'rest-1', to: NUMBER }] }).success).toBe(false);
    expect(() =>
      readScenario(file({ name: 'n', calls: [{ id: 'c1', to: NUMBER }], expect: [{ call: 'rest-x', answeredBy: null }] })),
    ).toThrow('names call rest-x');
  });
});
