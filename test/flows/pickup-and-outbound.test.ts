import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { Simulation, type CallerScript, type CallResult, type TranscriptEvent } from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { getCall } from '../../functions/store/call-store.js';
import { defaultPrompts } from '../../functions/twiml/prompts.js';
import { testApiPort } from '../support/api-port.js';
import { inProcessTransport, playCalls } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, authToken, put, TEST_HOST } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

const NUMBER = '+493044444444';
const SALES_NUMBER = '+493044444445';
const BACKOFFICE_NUMBER = '+493044444446';

const outside = (id: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({
  id,
  from: '+15550009999',
  to: NUMBER,
  at,
  ...extra,
});
/** A call placed by a member's softphone (the TwiML App's voice URL). */
const fromSoftphone = (id: string, member: string, to: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({
  id,
  from: `client:${member}`,
  to,
  at,
  path: '/voice/outbound',
  ...extra,
});

function said(events: readonly TranscriptEvent[], call: string): string[] {
  return events.flatMap((event) => (event.type === 'say' && event.call === call ? [event.text] : []));
}

function deviceOutcomes(events: readonly TranscriptEvent[], call: string): string[] {
  return events.flatMap((event) =>
    event.type === 'device' && event.call === call ? [`${event.member ?? event.noun}:${event.outcome}`] : [],
  );
}

async function outcomeOf(result: CallResult | undefined): Promise<Record<string, unknown> | undefined> {
  const calls = (await admin('GET', '/calls?limit=1000')).body.calls as Record<string, unknown>[];
  return calls.find((call) => call.callSid === result?.sid);
}

/** Who entered which conference when, and who was already there. */
function conferenceJoins(events: readonly TranscriptEvent[]): string[] {
  return events.flatMap((event) =>
    event.type === 'conference' && event.event === 'join'
      ? [`${event.at} ${event.call} ${event.name} [${(event.with ?? []).join(',')}]`]
      : [],
  );
}

/** Each member of support's presence now: nobody is left marked busy or ringing after the calls. */
async function supportPresence(): Promise<string[]> {
  const live = (await admin('GET', '/groups/support/live')).body.members as { id: string; presence: string }[];
  return live.map((member) => `${member.id}:${member.presence}`);
}

/** A CallSid that sorts before (`0`) or after (`f`) any random one, to pit call order against time order. */
const sid = (digit: string, round: number): string => `CA${digit.repeat(31)}${round}`;

/**
 * Calls played with the fake REST API behind a proxy that runs `inspect` before each REST request
 * reaches it: what the project had written at the moment it called Twilio.
 */
async function playWithRestInspection(callers: CallerScript[], inspect: (path: string) => Promise<void>): Promise<CallResult[]> {
  const simulation = new Simulation({ baseUrl: `https://${TEST_HOST}`, authToken: authToken(), transport: inProcessTransport });
  const api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: authToken() });
  const upstream = await api.listen(0);
  const proxy = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      await inspect(request.url ?? '');
      const answer = await fetch(`${upstream}${request.url ?? ''}`, {
        method: request.method ?? 'GET',
        headers: {
          authorization: request.headers.authorization ?? '',
          'content-type': request.headers['content-type'] ?? 'application/x-www-form-urlencoded',
        },
        ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
      });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(await answer.text());
    })().catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(testApiPort(), '127.0.0.1', resolve);
    });
    return await simulation.run(callers);
  } finally {
    proxy.closeAllConnections();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await api.close();
  }
}

/** SPEC sections 8 and 9 with the simulator and DynamoDB Local. */
describe('call pickup and calls placed by members', () => {
  beforeAll(async () => {
    await createTestTable();
    await put('/users/anna', { name: 'Anna', extension: '101', devices: [{ type: 'client', identity: 'anna' }] });
    await put('/users/ben', {
      name: 'Ben',
      extension: '102',
      devices: [
        { type: 'client', identity: 'ben' },
        { type: 'phone', number: '+491709999999' },
      ],
    });
    await put('/users/clara', { name: 'Clara', extension: '103', devices: [{ type: 'sip', uri: 'sip:clara@acme.sip.twilio.com' }] });
    await put('/users/dora', { name: 'Dora', extension: '104', devices: [{ type: 'client', identity: 'dora' }] });
    await put('/users/emil', { name: 'Emil', extension: '105', devices: [{ type: 'client', identity: 'emil' }] });
    await loadGroup('support', {
      members: ['anna', 'ben', 'emil'],
      extension: '200',
      distribution: 'in-order',
      rings: 4,
      pickup: true,
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadGroup('sales', {
      members: ['clara', 'dora'],
      extension: '300',
      distribution: 'in-order',
      rings: 4,
      pickup: false,
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadNumber(NUMBER, { group: 'support' });
    await loadNumber(SALES_NUMBER, { group: 'sales' });
  });

  it('lets a member pick up a call ringing at a colleague: connected to the picker, the colleague stops ringing, answered by the picker', async () => {
    const { results, events, api } = await playCalls([
      outside('caller', 0),
      fromSoftphone('ben-picks', 'ben', '*11', 5, { talkSeconds: 45 }),
    ]);

    const [caller, picker] = results as [CallResult, CallResult];
    expect(caller.answeredBy).toBe('ben');
    expect(caller.offers.map((offer) => offer.members)).toEqual([['anna']]);
    expect(deviceOutcomes(events, 'caller')).toEqual(['anna:canceled']);
    expect(picker.errors).toEqual([]);
    expect(api.requests.map((request) => [request.method, request.status, request.params.Url?.replace(/.*\/voice\//, '')])).toEqual([
      ['POST', 200, `pickup-bridge?call=${caller.sid}`],
    ]);
    expect(await outcomeOf(caller)).toMatchObject({ outcome: 'answered', answeredBy: 'ben' });
    // Both sides met in the call's own conference and talked until the picker hung up.
    expect(
      conferenceJoins(events)
        .map((join) => join.split(' ').slice(1, 3).join(' '))
        .sort(),
    ).toEqual([`ben-picks pickup-${caller.sid}`, `caller pickup-${caller.sid}`]);
    expect(caller.talkSeconds).toBe(45);
    // After the bridge, nobody is left marked busy or ringing.
    expect(await supportPresence()).toEqual(['anna:available', 'ben:available', 'emil:available']);
    // The call's story says who took it from whose phone (SPEC 17).
    const story = await admin('GET', `/calls/${caller.sid}/explain`);
    // (This test's project clock is the real one, so the seconds are not the simulated 5.)
    expect((story.body.steps as { text: string }[]).map((step) => step.text)).toContainEqual(
      expect.stringMatching(/^picked up by ben from anna's ringing phone after \d+ s$/),
    );
  });

  it.each([
    [
      'the picker reaches the bridge first (the REST redirect takes 2 s to reach the caller)',
      { redirectDelay: 2 },
      {},
      ['ben-picks', 'caller'],
    ],
    ['the caller reaches the bridge first (the picker takes 2 s to get there)', {}, { conferenceDelay: 2 }, ['caller', 'ben-picks']],
  ] as const)('bridges caller and picker whichever arrives first: %s', async (_order, callerExtra, pickerExtra, order) => {
    const { results, events } = await playCalls([
      outside('caller', 0, { hangUpAfter: 300, ...callerExtra }),
      fromSoftphone('ben-picks', 'ben', '*11', 5, { talkSeconds: 30, ...pickerExtra }),
    ]);

    const [caller, picker] = results as [CallResult, CallResult];
    expect(caller.errors).toEqual([]);
    expect(picker.errors).toEqual([]);
    expect(caller).toMatchObject({ answeredBy: 'ben', answeredAt: 7, talkSeconds: 30, endedAt: 37 });
    expect(conferenceJoins(events)).toEqual([
      `5 ${order[0]} pickup-${caller.sid} []`,
      `7 ${order[1]} pickup-${caller.sid} [${order[0] === 'caller' ? 'caller' : 'ben'}]`,
    ]);
    expect(await outcomeOf(caller)).toMatchObject({ outcome: 'answered', answeredBy: 'ben' });
    expect(await supportPresence()).toEqual(['anna:available', 'ben:available', 'emil:available']);
  });

  it('ends the call of a caller who reaches the bridge after the picker has left, rather than leave them alone in it', async () => {
    const { results, events } = await playCalls([
      outside('caller', 0, { redirectDelay: 6, hangUpAfter: 300 }),
      fromSoftphone('ben-picks', 'ben', '*11', 5, { hangUpAfter: 3 }),
    ]);

    const [caller] = results as [CallResult];
    expect(caller).toMatchObject({ ended: 'hangup', endedAt: 11 });
    expect(conferenceJoins(events)).toEqual([`5 ben-picks pickup-${caller.sid} []`]);
    expect(await supportPresence()).toEqual(['anna:available', 'ben:available', 'emil:available']);
  });

  it('marks the picked-up call as moved by us before it asks Twilio to move it', async () => {
    const atRedirect: { path: string; redirectedAtMs: unknown }[] = [];
    const callerSid = sid('a', 1);
    const before = Date.now();

    await playWithRestInspection(
      [outside('caller', 0, { sid: callerSid, hangUpAfter: 300 }), fromSoftphone('ben-picks', 'ben', '*11', 5)],
      async (path) => {
        atRedirect.push({ path, redirectedAtMs: (await getCall(callerSid))?.redirectedAtMs });
      },
    );

    expect(atRedirect).toHaveLength(1);
    expect(atRedirect[0]?.path).toContain(`/Calls/${callerSid}.json`);
    expect(atRedirect[0]?.redirectedAtMs).toBeGreaterThanOrEqual(before);
    expect((await getCall(callerSid))?.redirectedAtMs).toBe(atRedirect[0]?.redirectedAtMs);
  });

  it("takes the call whose offer started first, to the millisecond: offers 0.3 s apart, the newer call's id sorting first", async () => {
    const rounds = [0, 1, 2];
    const callers = rounds.flatMap((round) => [
      outside(`older-${round}`, 40 * round, { sid: sid('f', round), hangUpAfter: 20 }),
      outside(`newer-${round}`, 40 * round + 0.3, { sid: sid('0', round), hangUpAfter: 20 }),
      fromSoftphone(`emil-picks-${round}`, 'emil', '*11', 40 * round + 5, { talkSeconds: 10 }),
    ]);

    const { results } = await playCalls(callers);

    const byId = new Map(results.map((result) => [result.id, result]));
    for (const round of rounds) {
      expect(byId.get(`older-${round}`)?.offers[0]?.members).toEqual(['anna']);
      expect(byId.get(`newer-${round}`)?.offers[0]?.members).toEqual(['ben']);
      expect([byId.get(`older-${round}`)?.answeredBy, byId.get(`newer-${round}`)?.answeredBy]).toEqual(['emil', undefined]);
    }
  });

  it('does not offer an outside call to a member talking on a call they placed', async () => {
    const { results } = await playCalls([fromSoftphone('anna-calls-ben', 'anna', '102', 0), outside('outside', 10, { hangUpAfter: 30 })], {
      ben: 'answer',
    });

    const [internal, outsideCall] = results as [CallResult, CallResult];
    expect(internal.answeredBy).toBe('ben');
    // anna talks to ben (both busy): support's in-order round goes straight to emil.
    expect(outsideCall.offers.map((offer) => offer.members)).toEqual([['emil']]);
    expect(await supportPresence()).toEqual(['anna:available', 'ben:available', 'emil:available']);
  });

  it('connects exactly one of two members who dial *11 at the same moment for one ringing call', async () => {
    const { results, events } = await playCalls([
      outside('caller', 0),
      fromSoftphone('ben-picks', 'ben', '*11', 5),
      fromSoftphone('emil-picks', 'emil', '*11', 5),
    ]);

    const [caller] = results as [CallResult];
    expect(['ben', 'emil']).toContain(caller.answeredBy);
    const loser = caller.answeredBy === 'ben' ? 'emil-picks' : 'ben-picks';
    expect(said(events, loser)).toEqual([defaultPrompts.nothingToPickUp]);
  });

  it('refuses pickup in a group with pickup off', async () => {
    const { results, events } = await playCalls(
      [{ ...outside('caller', 0), to: SALES_NUMBER }, fromSoftphone('dora-picks', 'dora', '*11', 5)],
      { clara: 'no-answer' },
    );

    expect(said(events, 'dora-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.answeredBy).toBeUndefined();
  });

  it('refuses pickup to a member outside the group', async () => {
    const { results, events } = await playCalls([outside('caller', 0), fromSoftphone('dora-picks', 'dora', '*11', 5)]);

    expect(said(events, 'dora-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.answeredBy).toBeUndefined();
  });

  it('says there is nothing to pick up when nothing rings', async () => {
    const { results, events } = await playCalls([fromSoftphone('ben-picks', 'ben', '*11', 0)]);

    expect(said(events, 'ben-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.ended).toBe('hangup');
  });

  it('refuses directed pickup of a call offered by a group with pickup off, though picker and target share a pickup group', async () => {
    await loadGroup('backoffice', { members: ['ben'], rings: 4, pickup: false, whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(BACKOFFICE_NUMBER, { group: 'backoffice' });

    const { results, events } = await playCalls([
      { ...outside('caller', 0), to: BACKOFFICE_NUMBER },
      fromSoftphone('emil-picks', 'emil', '*11102', 5),
      fromSoftphone('anna-picks', 'anna', '*11', 6),
    ]);

    expect(results[0]?.offers.map((offer) => offer.members)).toEqual([['ben']]);
    expect(said(events, 'emil-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(said(events, 'anna-picks')).toEqual([defaultPrompts.nothingToPickUp]);
    expect(results[0]?.answeredBy).toBeUndefined();
    await admin('DELETE', `/numbers/${encodeURIComponent(BACKOFFICE_NUMBER)}`);
    await admin('DELETE', '/groups/backoffice');
  });

  it("takes the named member's call with directed pickup, even when an older call rings at someone else", async () => {
    const { results } = await playCalls([outside('older', 0), outside('younger', 2), fromSoftphone('emil-picks', 'emil', '*11102', 6)]);

    const [older, younger] = results as [CallResult, CallResult];
    expect(older.offers[0]?.members).toEqual(['anna']);
    expect(younger.offers[0]?.members).toEqual(['ben']);
    expect(younger.answeredBy).toBe('emil');
    expect(older.answeredBy).toBeUndefined();
  });

  it('accepts the pickup code from a SIP phone as sip:*11@domain', async () => {
    await loadGroup('desk', { members: ['anna', 'clara'], rings: 4, pickup: true, whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(SALES_NUMBER, { group: 'desk' });

    const { results } = await playCalls(
      [
        { ...outside('caller', 0), to: SALES_NUMBER },
        { id: 'clara-picks', from: 'sip:clara@acme.sip.twilio.com', to: 'sip:*11@acme.sip.twilio.com', at: 5, path: '/voice/outbound' },
      ],
      {
        'sip:clara@acme.sip.twilio.com': 'no-answer',
        anna: 'no-answer',
      },
    );

    expect(results[0]?.answeredBy).toBe('clara');
    await loadNumber(SALES_NUMBER, { group: 'sales' });
    await admin('DELETE', '/groups/desk');
  });

  it('rings a member dialled by extension, then leaves a voicemail for that member', async () => {
    const { results, events } = await playCalls([fromSoftphone('anna-calls-ben', 'anna', '102', 0, { message: 6 })], {
      ben: 'no-answer',
      '+491709999999': 'no-answer',
    });

    const [call] = results as [CallResult];
    expect(call.offers.map((offer) => offer.nouns)).toEqual([['ben', '+491709999999']]);
    expect(said(events, 'anna-calls-ben')[0]).toBe(defaultPrompts.voicemail);
    const voicemails = (await admin('GET', '/voicemails')).body.voicemails as { callSid: string; member?: string; caller: string }[];
    expect(voicemails.find((voicemail) => voicemail.callSid === call.sid)).toMatchObject({ member: 'ben', caller: 'client:anna' });
  });

  it('connects an internal call to a member extension when they answer', async () => {
    const { results } = await playCalls([fromSoftphone('anna-calls-ben', 'anna', '102', 0)], { ben: 'answer' });

    expect(results[0]?.answeredBy).toBe('ben');
  });

  it('distributes an internal call to a group extension without offering it to the caller', async () => {
    const { results } = await playCalls([fromSoftphone('anna-calls-support', 'anna', '200', 0)], { ben: 'no-answer', emil: 'answer' });

    expect(results[0]?.offers.map((offer) => offer.members)).toEqual([['ben'], ['emil']]);
    expect(results[0]?.answeredBy).toBe('emil');
  });

  it('refuses a call from a device of no member, and a number it does not support', async () => {
    const { events } = await playCalls([
      { id: 'stranger', from: 'client:mallory', to: '*11', at: 0, path: '/voice/outbound' },
      fromSoftphone('anna-dials-out', 'anna', '+4930123456', 0),
    ]);

    expect(said(events, 'stranger')).toEqual([defaultPrompts.unknownCaller]);
    expect(said(events, 'anna-dials-out')).toEqual([defaultPrompts.notSupported]);
  });
});
