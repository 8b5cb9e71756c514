import { beforeAll, describe, expect, it } from 'vitest';
import type { CallResult, TranscriptEvent } from '../../bin/simulator/engine.js';
import { inProcessTransport, playCalls, callerNumber, callersOf } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { useProjectClock } from '../support/project-clock.js';
import { createTestTable } from '../support/table.js';

const NUMBER = '+493077777777';

const numberOf = callerNumber;
const caller = callersOf(NUMBER);

/** When `member` answered each call, in order, with the call's id. */
function answers(events: readonly TranscriptEvent[], member: string): { call: string; at: number }[] {
  return events.flatMap((event) =>
    event.type === 'device' && event.member === member && event.outcome === 'answered' ? [{ call: event.call, at: event.at }] : [],
  );
}

function heard(events: readonly TranscriptEvent[], call: string): string[] {
  return events.flatMap((event) => (event.type === 'say' && event.call === call ? [event.text] : []));
}

async function callLog(outcome: string): Promise<{ callSid: string; outcome: string; answeredBy?: string }[]> {
  return (await admin('GET', `/calls?outcome=${outcome}`)).body.calls as { callSid: string; outcome: string; answeredBy?: string }[];
}

/**
 * SPEC 16, the caller's menu while waiting: 2 leaves a message, 1 books a callback that keeps the
 * caller's place. Whole calls with the simulator (keys while waiting, calls created through the REST
 * API) and DynamoDB Local, the project's clock following the simulated one.
 */
describe('the waiting line: callbacks and voicemail from the line', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben']) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  });

  const clock = useProjectClock();

  it('2: the caller leaves the line and records a message for the group; not an abandoned call', async () => {
    await loadGroup('menu-vm', {
      members: ['anna'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', menu: { voicemail: true } },
    });
    await loadNumber(NUMBER, { group: 'menu-vm' });

    const { results, events } = await playCalls(
      [caller('talking', 0), caller('leaver', 5, { waitKeys: [{ after: 20, digits: '2' }], message: 6 })],
      { anna: { answerAfter: 1, hangUpAfter: 300 } },
      { playSeconds: 60, projectClockFrom: clock.start },
    );

    const leaver = results.find((result) => result.id === 'leaver') as CallResult;
    expect(heard(events, 'leaver')).toContain('To leave a message instead of waiting, press 2.');
    expect(leaver.recordings.map((recording) => recording.seconds)).toEqual([6]);
    expect((await admin('GET', '/groups/menu-vm/live')).body.waitingCallers).toEqual([]);
    expect((await callLog('voicemail')).map((call) => call.callSid)).toContain(leaver.sid);
    expect((await callLog('abandoned-waiting')).map((call) => call.callSid)).not.toContain(leaver.sid);
  });

  it('1: a caller at position 3 is called back after the two ahead and before the one behind; the member first, then the caller', async () => {
    await loadGroup('menu-cb', {
      members: ['anna'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', menu: { callback: true, voicemail: true } },
    });
    await loadNumber(NUMBER, { group: 'menu-cb' });

    // anna talks 30 s per call. w1 and w2 wait; cb (position 3) presses 1, then 1 to confirm its own
    // number, and hangs up; `late` joins after it.
    const { results, events } = await playCalls(
      [
        caller('first', 0),
        caller('w1', 5),
        caller('w2', 10),
        caller('cb', 15, {
          waitKeys: [
            { after: 25, digits: '1' },
            { after: 25, digits: '1' },
          ],
        }),
        caller('late', 40),
      ],
      { anna: { answerAfter: 1, hangUpAfter: 30 }, [numberOf(15)]: { answerAfter: 2, hangUpAfter: 20 } },
      { playSeconds: 1000, projectClockFrom: clock.start },
    );

    const byId = new Map(results.map((result) => [result.id, result]));
    const cb = byId.get('cb') as CallResult;
    expect(heard(events, 'cb')).toEqual(
      expect.arrayContaining([
        'To be called back without losing your place in line, press 1.',
        'Thank you. We will call you back when it is your turn. Goodbye.',
      ]),
    );
    expect(cb.answeredBy).toBeUndefined();
    // anna's calls in order: the first, the two ahead, the callback (a created call), then `late`.
    const order = answers(events, 'anna').map((answer) => answer.call);
    expect(order.slice(0, 3)).toEqual(['first', 'w1', 'w2']);
    expect(order[3]).toMatch(/^rest-/);
    expect(order[4]).toBe('late');
    // The created call rang anna and, once she answered, dialled the caller's number from the group's number.
    const callback = byId.get(order[3] ?? '') as CallResult;
    expect(callback.created).toBeDefined();
    expect(callback.offers.flatMap((offer) => offer.nouns)).toEqual([numberOf(15)]);
    const annaAnswered = answers(events, 'anna')[3]?.at ?? Number.NaN;
    const dialledAt = events.find((event) => event.call === callback.id && event.type === 'offer')?.at ?? Number.NaN;
    expect(dialledAt).toBeGreaterThanOrEqual(annaAnswered);
    expect(heard(events, callback.id).join(' ')).toMatch(
      /^Callback for plus 1 5 5 5 0 0 0 0 0 1 5, who waited (\d+ minutes|about one minute)\. Connecting\./,
    );
    // The log: cb asked for a callback (not abandoned), and the callback reached them.
    expect((await callLog('callback-requested')).map((call) => call.callSid)).toContain(cb.sid);
    expect((await callLog('abandoned-waiting')).map((call) => call.callSid)).not.toContain(cb.sid);
    expect((await callLog('called-back')).map((call) => call.answeredBy)).toEqual(['anna']);
    expect((await admin('GET', '/groups/menu-cb/live')).body.waitingCallers).toEqual([]);
    // cb's story ends with the callback that reached them.
    const story = (await admin('GET', `/calls/${cb.sid}/explain`)).body.steps as { text: string }[];
    expect(story.map((step) => step.text)).toEqual(
      expect.arrayContaining([
        "waiting in menu-cb's line",
        'ended: callback-requested, ' + String(cb.endedAt - cb.startedAt) + ' s',
        'called back by anna (1 attempt)',
      ]),
    );
    expect(story.at(-1)?.text).toBe('called back by anna (1 attempt)');
  });

  it('a callback not answered is tried again after the delay, and after the last attempt logged as failed', async () => {
    let live: Record<string, unknown>[] | undefined;
    await loadGroup('menu-retry', {
      members: ['ben'],
      rings: 2,
      whenNobodyAnswers: {
        action: 'wait-for-agent',
        menu: { callback: true },
        callback: { attempts: 2, retryDelaySeconds: 60 },
      },
    });
    await loadNumber(NUMBER, { group: 'menu-retry' });

    const { results, events } = await playCalls(
      [
        caller('first', 0),
        caller('cb', 5, {
          waitKeys: [
            { after: 10, digits: '1' },
            { after: 10, digits: '1' },
          ],
        }),
      ],
      // ben stays on each callback's call until the caller's phone has rung out.
      { ben: { answerAfter: 1, hangUpAfter: 120 }, [numberOf(5)]: 'no-answer' },
      {
        playSeconds: 1000,
        projectClockFrom: clock.start,
        // The live view right after the first attempt's dial rang out: the entry waits for its next attempt.
        transport: async (request) => {
          const response = await inProcessTransport(request);
          if (live === undefined && request.url.includes('/voice/callback-result'))
            live = (await admin('GET', '/groups/menu-retry/live')).body.waitingCallers as Record<string, unknown>[];
          return response;
        },
      },
    );
    expect(live).toEqual([expect.objectContaining({ state: 'callback', callbackNumber: numberOf(5), callbackAttempts: 1, position: 1 })]);

    const created = results.filter((result) => result.created !== undefined);
    expect(created).toHaveLength(2);
    const [one, two] = created as [CallResult, CallResult];
    // The second attempt comes no sooner than the group's delay after the first's dial rang out.
    const rangOut = events.find((event) => event.call === one.id && event.type === 'dial-end')?.at ?? Number.NaN;
    expect(two.startedAt - rangOut).toBeGreaterThanOrEqual(60);
    for (const attempt of created) expect(heard(events, attempt.id)).toContain('The caller did not answer. Goodbye.');
    expect((await callLog('callback-failed')).length).toBe(1);
    expect((await admin('GET', '/groups/menu-retry/live')).body.waitingCallers).toEqual([]);
  });

  it('callbacks in a burst are created one per second', async () => {
    await put('/users/clara', { name: 'clara', devices: [{ type: 'client', identity: 'clara' }] });
    await loadGroup('menu-burst', {
      members: ['anna', 'ben', 'clara'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', menu: { callback: true } },
    });
    await loadNumber(NUMBER, { group: 'menu-burst' });

    // Three calls arrive together and take the three members until 101 s; three callers book
    // callbacks meanwhile. At 101 s all three members are free in the same second.
    const keys = {
      waitKeys: [
        { after: 30, digits: '1' },
        { after: 30, digits: '1' },
      ],
    };
    const talk = { answerAfter: 1, hangUpAfter: 100 };
    const { results, api } = await playCalls(
      [caller('t1', 0), caller('t2', 0), caller('t3', 0), caller('b1', 10, keys), caller('b2', 11, keys), caller('b3', 12, keys)],
      { anna: talk, ben: talk, clara: talk, [numberOf(10)]: 'answer', [numberOf(11)]: 'answer', [numberOf(12)]: 'answer' },
      { playSeconds: 1000, projectClockFrom: clock.start },
    );

    const creates = api.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/Calls.json'));
    expect(creates.map((request) => request.at)).toEqual([101, 102, 103]);
    expect(
      results.filter((result) => result.created !== undefined && result.offers.some((offer) => offer.status === 'completed')),
    ).toHaveLength(3);
  });

  it('no callback starts while the group is closed: it runs at the opening', async () => {
    // Open 09:00-09:01 and from 09:04 (UTC) every day; the simulation starts at 09:00:00.
    const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    await put('/schedules/short-day', {
      name: 'Short day',
      timeZone: 'UTC',
      weekly: [
        { days, from: '09:00', to: '09:01' },
        { days, from: '09:04', to: '23:59' },
      ],
    });
    await loadGroup('menu-closed', {
      members: ['anna'],
      rings: 2,
      schedule: 'short-day',
      whenNobodyAnswers: { action: 'wait-for-agent', menu: { callback: true } },
    });
    await loadNumber(NUMBER, { group: 'menu-closed' });

    // anna talks until 101 s (09:01:41, closed); cb booked its callback at 20 s, while open.
    const { api, events } = await playCalls(
      [
        caller('first', 0),
        caller('cb', 5, {
          waitKeys: [
            { after: 20, digits: '1' },
            { after: 20, digits: '1' },
          ],
        }),
      ],
      { anna: { answerAfter: 1, hangUpAfter: 100 }, [numberOf(5)]: { answerAfter: 1, hangUpAfter: 10 } },
      { playSeconds: 1000, projectClockFrom: clock.start },
    );

    const creates = api.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/Calls.json'));
    // At the opening, 09:04:00, not when anna was free at 09:01:41.
    expect(creates.map((request) => request.at)).toEqual([240]);
    expect(answers(events, 'anna').filter((answer) => answer.at > 101 && answer.at < 240)).toEqual([]);
    expect((await callLog('called-back')).length).toBeGreaterThanOrEqual(1);
  });

  it('one callback per number and group: a second request from the same number is told so and holds on', async () => {
    await loadGroup('menu-once', {
      members: ['anna'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', menu: { callback: true } },
    });
    await loadNumber(NUMBER, { group: 'menu-once' });
    const press = (after: number) => ({
      waitKeys: [
        { after, digits: '1' },
        { after, digits: '1' },
      ],
    });

    const { events } = await playCalls(
      [caller('first', 0), caller('booked', 5, press(15)), { ...caller('again', 20, press(30)), from: numberOf(5), hangUpAfter: 60 }],
      { anna: { answerAfter: 1, hangUpAfter: 300 }, [numberOf(5)]: { answerAfter: 1, hangUpAfter: 5 } },
      { playSeconds: 20, projectClockFrom: clock.start },
    );

    expect(heard(events, 'booked')).toContain('Thank you. We will call you back when it is your turn. Goodbye.');
    expect(heard(events, 'again')).toContain('A callback to this number is already planned. Please hold.');
    expect(heard(events, 'again')).not.toContain('Thank you. We will call you back when it is your turn. Goodbye.');
  });
});
