import { beforeAll, describe, expect, it } from 'vitest';
import type { Behaviours, CallerScript, CallResult, TranscriptEvent } from '../../bin/simulator/engine.js';
import { inProcessTransport, playCalls } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

const NUMBER = '+493022222222';
const caller = (id: string, at: number, extra: Partial<CallerScript> = {}): CallerScript => ({
  id,
  from: `+1555000${id.replace(/\D/g, '').padStart(4, '0')}`,
  to: NUMBER,
  at,
  ...extra,
});

/** When each member talked: [start, end) per connection, from the transcript. */
function connections(events: readonly TranscriptEvent[]): { member: string; call: string; from: number; to: number }[] {
  const open = new Map<string, { call: string; from: number }>();
  const spans: { member: string; call: string; from: number; to: number }[] = [];
  for (const event of events) {
    if (event.type !== 'device' || event.member === undefined) continue;
    if (event.outcome === 'answered') open.set(`${event.call}|${event.member}`, { call: event.call, from: event.at });
    if (event.outcome === 'hung-up') {
      const start = open.get(`${event.call}|${event.member}`);
      if (start !== undefined) spans.push({ member: event.member, call: start.call, from: start.from, to: event.at });
    }
  }
  return spans;
}

function offersAt(events: readonly TranscriptEvent[], call: string): { at: number; members: string[] }[] {
  return events.flatMap((event) => (event.type === 'offer' && event.call === call ? [{ at: event.at, members: event.members }] : []));
}

/** SPEC sections 5 and 7, played as whole calls with the simulator and DynamoDB Local. */
describe('presence and the waiting line', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben', 'clara', 'dora', 'emil'])
      await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  });

  it.each(['in-order', 'evenly', 'all-at-once'] as const)('%s: a member on a call is not offered another one', async (distribution) => {
    await loadGroup('busy-test', { members: ['anna', 'ben'], distribution, rings: 2, whenNobodyAnswers: { action: 'hangup' } });
    await loadNumber(NUMBER, { group: 'busy-test' });

    const { results } = await playCalls([caller('first', 0), caller('second', 20)], {
      anna: { answerAfter: 1, hangUpAfter: 120 },
      ben: 'no-answer',
    });

    const [first, second] = results as [CallResult, CallResult];
    expect(first.answeredBy).toBe('anna');
    expect(second.offers.flatMap((offer) => offer.members)).not.toContain('anna');
    expect(second.offers.flatMap((offer) => offer.members)).toContain('ben');
  });

  it('in-order calls arriving together reach different members', async () => {
    await loadGroup('together', {
      members: ['anna', 'ben', 'clara'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadNumber(NUMBER, { group: 'together' });

    const { results } = await playCalls([caller('c1', 0), caller('c2', 0), caller('c3', 0)], {
      anna: 'answer',
      ben: 'answer',
      clara: 'answer',
    });

    expect(results.map((result) => result.offers[0]?.members[0]).sort()).toEqual(['anna', 'ben', 'clara']);
    expect(results.map((result) => result.answeredBy).sort()).toEqual(['anna', 'ben', 'clara']);
  });

  it('offers a member who hangs up the longest-waiting caller within that webhook round, not at the next poll', async () => {
    await loadGroup('line', { members: ['anna'], distribution: 'in-order', rings: 2, whenNobodyAnswers: { action: 'wait-for-agent' } });
    await loadNumber(NUMBER, { group: 'line' });

    const { results, events } = await playCalls(
      [caller('talking', 0), caller('older', 5), caller('younger', 10)],
      {
        anna: [
          { answerAfter: 1, hangUpAfter: 40 },
          { answerAfter: 2, hangUpAfter: 30 },
          { answerAfter: 2, hangUpAfter: 30 },
        ],
      },
      { playSeconds: 300 },
    );

    const [talking, older, younger] = results as [CallResult, CallResult, CallResult];
    expect(talking.answeredBy).toBe('anna');
    // anna hangs up at 41 s; the hold music would not end before 5 + 300 s: the offer comes from the hang-up itself.
    expect(offersAt(events, 'older').at(-1)?.at).toBe(41);
    expect(older.answeredBy).toBe('anna');
    expect(younger.answeredBy).toBe('anna');
    expect(younger.answeredAt).toBeGreaterThan(older.answeredAt ?? Number.POSITIVE_INFINITY);
  });

  it('serves 20 callers waiting for 5 members in the order they joined, never giving a member two calls or a caller two members', async () => {
    await loadGroup('crowd', {
      members: ['anna', 'ben', 'clara', 'dora', 'emil'],
      distribution: 'in-order',
      rings: 3,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 900, announcePosition: true },
    });
    await loadNumber(NUMBER, { group: 'crowd' });
    // Seeded, so the run is the same every time: answer delays 1..9 s, calls 20..119 s long.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const behaviour = (): Behaviours[string] =>
      Array.from({ length: 12 }, () => ({ answerAfter: 1 + Math.floor(random() * 9), hangUpAfter: 20 + Math.floor(random() * 100) }));
    const devices: Behaviours = { anna: behaviour(), ben: behaviour(), clara: behaviour(), dora: behaviour(), emil: behaviour() };
    const callers = Array.from({ length: 20 }, (_unused, index) =>
      caller(`c${String(index + 1).padStart(2, '0')}`, index * 3, index === 17 ? { hangUpAfter: 60 } : {}),
    );

    const { results, events } = await playCalls(callers, devices, { playSeconds: 20 });

    expect(results.flatMap((result) => result.errors)).toEqual([]);
    // No member ever has two calls at once.
    const spans = connections(events);
    for (const span of spans) {
      const overlapping = spans.filter(
        (other) => other !== span && other.member === span.member && other.from < span.to && span.from < other.to,
      );
      expect(overlapping).toEqual([]);
    }
    // ... and is never even offered a call while on one (the simulator would report the device busy).
    const offersToTalkingMembers = events.filter(
      (event) =>
        event.type === 'offer' &&
        event.members.some((offeredMember) =>
          spans.some((span) => span.member === offeredMember && span.from < event.at && event.at < span.to),
        ),
    );
    expect(offersToTalkingMembers).toEqual([]);
    // No caller is connected twice, and every caller ends connected or abandoned as the scenario says.
    expect(spans.map((span) => span.call).sort()).toEqual([...new Set(spans.map((span) => span.call))].sort());
    const abandoned = results
      .filter((result) => result.ended === 'caller-hung-up' && result.answeredBy === undefined)
      .map((result) => result.id);
    expect(abandoned).toEqual(['c18']);
    expect(results.filter((result) => result.id !== 'c18' && result.answeredBy === undefined).map((result) => result.id)).toEqual([]);
    // Callers are taken from the line strictly in the order they joined.
    const waited = results.filter(
      (result) => result.id !== 'c18' && events.some((event) => event.call === result.id && event.type === 'enqueue'),
    );
    const firstLineOffer = (result: CallResult): number =>
      offersAt(events, result.id).find(
        (offer) => offer.at > (events.find((event) => event.call === result.id && event.type === 'enqueue')?.at ?? 0),
      )?.at ?? Number.POSITIVE_INFINITY;
    const order = [...waited].sort((a, b) => firstLineOffer(a) - firstLineOffer(b) || a.startedAt - b.startedAt).map((result) => result.id);
    expect(order).toEqual(waited.map((result) => result.id));
    expect(waited.length).toBeGreaterThan(5);
    // The call log has one outcome per call.
    const calls = (await admin('GET', '/calls?group=crowd&limit=100')).body.calls as { callSid: string; outcome: string }[];
    expect(calls.filter((call) => results.some((result) => result.sid === call.callSid))).toHaveLength(20);
    expect(calls.find((call) => call.callSid === results[17]?.sid)?.outcome).toBe('abandoned-waiting');
  });

  it('sends a caller to voicemail after maxWaitSeconds, and removes a caller who hangs up from the line', async () => {
    await put('/users/frank', { name: 'frank', devices: [{ type: 'client', identity: 'frank' }] });
    await loadGroup('slow', {
      members: ['frank'],
      distribution: 'in-order',
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 60 },
    });
    await loadNumber(NUMBER, { group: 'slow' });

    const { results } = await playCalls(
      [caller('talking', 0), caller('patient', 5, { message: 7 }), caller('impatient', 6, { hangUpAfter: 20 })],
      { frank: { answerAfter: 1, hangUpAfter: 600 } },
      { playSeconds: 10 },
    );

    const [, patient, impatient] = results as [CallResult, CallResult, CallResult];
    expect(patient.recordings.map((recording) => recording.seconds)).toEqual([7]);
    expect(impatient.ended).toBe('caller-hung-up');
    const live = await admin('GET', '/groups/slow/live');
    expect(live.body.waitingCallers).toEqual([]);
    const calls = (await admin('GET', '/calls?group=slow')).body.calls as { callSid: string; outcome: string; waitedSeconds?: number }[];
    expect(calls.find((call) => call.callSid === patient.sid)).toMatchObject({ outcome: 'voicemail' });
    expect(calls.find((call) => call.callSid === patient.sid)?.waitedSeconds).toBeGreaterThanOrEqual(60);
    expect(calls.find((call) => call.callSid === impatient.sid)).toMatchObject({ outcome: 'abandoned-waiting' });
  });

  it('offers a member back from away the longest-waiting caller at once', async () => {
    await put('/users/gina', { name: 'gina', devices: [{ type: 'client', identity: 'gina' }] });
    await admin('PUT', '/users/gina/status', { status: 'away' });
    await loadGroup('returning', { members: ['gina'], rings: 2, whenNobodyAnswers: { action: 'wait-for-agent' } });
    await loadNumber(NUMBER, { group: 'returning' });
    // gina comes back through the admin API right after the caller's hold music started.
    let returned = false;
    const { results, events } = await playCalls(
      [caller('waiting', 0, { hangUpAfter: 200 })],
      { gina: 'answer' },
      {
        playSeconds: 1000,
        transport: async (request) => {
          const response = await inProcessTransport(request);
          if (!returned && request.url.includes('/voice/line-wait')) {
            returned = true;
            await admin('PUT', '/users/gina/status', { status: 'available' });
          }
          return response;
        },
      },
    );

    expect(results[0]?.answeredBy).toBe('gina');
    expect(offersAt(events, 'waiting').map((offer) => offer.at)).toEqual([0]);
  });

  it.each(['error', 'system-error'] as const)('offers voicemail when the waiting line fails with QueueResult %s', async (fault) => {
    await put('/users/hank', { name: 'hank', devices: [{ type: 'client', identity: 'hank' }] });
    await loadGroup('faulty', { members: ['hank'], rings: 2, whenNobodyAnswers: { action: 'wait-for-agent' } });
    await loadNumber(NUMBER, { group: 'faulty' });

    const { results, events } = await playCalls(
      [caller('talking', 0), caller('waiting', 5, { message: 4, queueFault: { after: 30, result: fault } })],
      { hank: { answerAfter: 1, hangUpAfter: 600 } },
      { playSeconds: 10 },
    );

    expect(results[1]?.recordings.map((recording) => recording.seconds)).toEqual([4]);
    expect(events.flatMap((event) => (event.call === 'waiting' && event.type === 'queue-leave' ? [event.result] : []))).toContain(fault);
    expect((await admin('GET', '/groups/faulty/live')).body.waitingCallers).toEqual([]);
  });

  it('offers voicemail when the queue is full', async () => {
    await put('/users/ida', { name: 'ida', devices: [{ type: 'client', identity: 'ida' }] });
    await loadGroup('full', { members: ['ida'], rings: 2, whenNobodyAnswers: { action: 'wait-for-agent' } });
    await loadNumber(NUMBER, { group: 'full' });

    const { results } = await playCalls(
      [caller('talking', 0), caller('first', 5, { hangUpAfter: 60 }), caller('second', 8, { message: 5 })],
      { ida: { answerAfter: 1, hangUpAfter: 600 } },
      { playSeconds: 10, queueMaxSize: 1 },
    );

    expect(results[2]?.recordings.map((recording) => recording.seconds)).toEqual([5]);
  });
});
