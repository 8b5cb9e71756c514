import type { SQSEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { localContext } from '../../bin/local/lambda-event.js';
import type { CallResult, TranscriptEvent } from '../../bin/simulator/engine.js';
import { handler as wakeUpsHandler } from '../../functions/handlers/wakeups.js';
import { Simulation } from '../../bin/simulator/engine.js';
import { FakeTwilioApi } from '../../bin/simulator/rest-api.js';
import { pendingWakeUps, takeDueWakeUps, type WakeUp } from '../../functions/wake-ups/queue.js';
import { testApiPort } from '../support/api-port.js';
import { inProcessTransport, playCalls, callersOf } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, authToken, postVoice, put, TEST_HOST } from '../support/invoke.js';
import { useProjectClock } from '../support/project-clock.js';
import { createTestTable } from '../support/table.js';

const NUMBER = '+493055555555';

const caller = callersOf(NUMBER);

function offersAt(events: readonly TranscriptEvent[], call: string): { at: number; members: string[] }[] {
  return events.flatMap((event) => (event.type === 'offer' && event.call === call ? [{ at: event.at, members: event.members }] : []));
}

/** When the member's device hung up each call it answered. */
function hangUps(events: readonly TranscriptEvent[], member: string): number[] {
  return events.flatMap((event) => (event.type === 'device' && event.member === member && event.outcome === 'hung-up' ? [event.at] : []));
}

async function liveRow(group: string, member: string): Promise<Record<string, unknown> | undefined> {
  const live = await admin('GET', `/groups/${group}/live`);
  return (live.body.members as Record<string, unknown>[]).find((row) => row.id === member);
}

/** The wake-up function's event, as SQS delivers due messages to it. */
function sqsEvent(wakeUps: readonly WakeUp[]): SQSEvent {
  return {
    Records: wakeUps.map((wakeUp, index) => ({
      messageId: `message-${index}`,
      receiptHandle: `handle-${index}`,
      body: JSON.stringify(wakeUp),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'voice',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:wake-ups',
      awsRegion: 'eu-central-1',
    })),
  };
}

/**
 * SPEC 15, wrap-up: after a call of a group with `wrapUpSeconds` the member is offered nothing for
 * exactly that long, then the longest-waiting caller at once (a wake-up, not the line's polling). The
 * project's clock follows the simulated one; the wake-up is delivered at its second by this process's
 * queue (as `npm start` does) or by the wake-up function given an SQS event (as in AWS).
 */
describe('wrap-up flows', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben']) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
  });

  const clock = useProjectClock();

  it('refuses other values of wrapUpSeconds with a 400 naming the field', async () => {
    for (const value of [-1, 601, 2.5, '30', null]) {
      const result = await admin('PUT', '/groups/bad', { name: 'Bad', members: [], wrapUpSeconds: value });
      expect(result.statusCode).toBe(400);
      expect(JSON.stringify(result.body)).toContain('wrapUpSeconds');
    }
    expect((await admin('PUT', '/groups/fine', { name: 'Fine', members: [], wrapUpSeconds: 600 })).statusCode).toBe(201);
    expect((await admin('GET', '/groups/fine')).body.wrapUpSeconds).toBe(600);
  });

  it.each([
    ['this process (npm start)', undefined],
    ['the wake-up function, as SQS delivers', async (wakeUps: WakeUp[]) => wakeUpsHandler(sqsEvent(wakeUps), localContext('wakeups'))],
  ] as const)(
    'keeps the member from the next call for exactly its length, then offers the longest-waiting caller at once: delivered by %s',
    async (_by, wakeUpsTo) => {
      await loadGroup('desk', {
        members: ['anna'],
        rings: 2,
        wrapUpSeconds: 30,
        whenNobodyAnswers: { action: 'wait-for-agent' },
      });
      await loadNumber(NUMBER, { group: 'desk' });

      // anna talks to `first` from 1 s to 41 s. `older` waits from 5 s, `younger` from 70 s, the last
      // second of anna's wrap-up. The hold music plays for 1000 s, so no poll of the line comes between.
      const { results, events } = await playCalls(
        [caller('first', 0), caller('older', 5), caller('younger', 70)],
        {
          anna: [
            { answerAfter: 1, hangUpAfter: 40 },
            { answerAfter: 1, hangUpAfter: 20 },
            { answerAfter: 1, hangUpAfter: 20 },
          ],
        },
        { playSeconds: 1000, projectClockFrom: clock.start, ...(wakeUpsTo === undefined ? {} : { wakeUpsTo }) },
      );

      const [first, older, younger] = results as [CallResult, CallResult, CallResult];
      expect(first.answeredBy).toBe('anna');
      const firstEnd = hangUps(events, 'anna')[0];
      expect(firstEnd).toBe(41);
      // Not one offer during the wrap-up [41, 71); the longest-waiting caller at 71 exactly.
      expect(offersAt(events, 'older').map((offer) => offer.at)).toEqual([71]);
      expect(offersAt(events, 'younger').filter((offer) => offer.at < 71)).toEqual([]);
      expect(older.answeredBy).toBe('anna');
      // older talks 72..92, then 30 s of wrap-up again: younger at 122.
      expect(hangUps(events, 'anna')[1]).toBe(92);
      expect(offersAt(events, 'younger').at(-1)?.at).toBe(122);
      expect(younger.answeredBy).toBe('anna');
      expect(pendingWakeUps()).toEqual([]);

      // After younger (123..143) anna wraps up until 173: the live view says so.
      vi.setSystemTime(clock.start + 150_000);
      expect(await liveRow('desk', 'anna')).toMatchObject({
        presence: 'wrap-up',
        wrapUpUntil: new Date((clock.at(143) + 30) * 1000).toISOString(),
        call: null,
      });
      vi.setSystemTime(clock.start + 173_000);
      expect(await liveRow('desk', 'anna')).toMatchObject({ presence: 'available', wrapUpUntil: null });
    },
  );

  it('the wake-up function removes a waiting caller Twilio no longer has, and frees the member', async () => {
    await loadGroup('ghosts', { members: ['ben'], rings: 2, wrapUpSeconds: 20, whenNobodyAnswers: { action: 'wait-for-agent' } });
    await loadNumber(NUMBER, { group: 'ghosts' });
    const sid = (name: string): string => `CA${name.padEnd(32, '0')}`;
    const leg = (status: string, sequence: number) =>
      postVoice({
        pathAndQuery: '/voice/leg?m=ben&wu=20',
        params: { CallSid: sid('benleg'), ParentCallSid: sid('bencall'), CallStatus: status, SequenceNumber: String(sequence) },
      });
    // Twilio's REST API as the simulator plays it, with no call in any queue: a dequeue is refused (404).
    const simulation = new Simulation({
      baseUrl: `https://${TEST_HOST}`,
      authToken: authToken(),
      transport: inProcessTransport,
      devices: {},
    });
    const api = new FakeTwilioApi(simulation, { accountSid: simulation.accountSid, authToken: authToken() });
    await api.listen(testApiPort());
    try {
      await leg('in-progress', 1);
      const caller = { CallSid: sid('ghost'), From: '+15550001111', To: NUMBER };
      await postVoice({ pathAndQuery: '/voice/incoming', params: { ...caller, CallStatus: 'ringing' } });
      await postVoice({
        pathAndQuery: '/voice/line-wait?g=ghosts',
        params: { ...caller, QueueSid: `QU${'a'.repeat(32)}`, QueueTime: '5', QueuePosition: '1' },
      });
      await leg('completed', 2);
      expect(pendingWakeUps()).toEqual([{ members: ['ben'], at: clock.at(20) }]);

      vi.setSystemTime(clock.start + 20_000);
      const result = await wakeUpsHandler(sqsEvent(takeDueWakeUps()), localContext('wakeups'));

      expect(result).toEqual({ batchItemFailures: [] });
      expect(api.requests.filter((request) => request.path.includes('/Members/'))).toHaveLength(1);
      expect((await admin('GET', '/groups/ghosts/live')).body.waitingCallers).toEqual([]);
      expect(await liveRow('ghosts', 'ben')).toMatchObject({ presence: 'available', call: null });
    } finally {
      await api.close();
    }
  });

  it('rings the next member while the first wraps up, and a member set available is ready at once', async () => {
    await loadGroup('pair', {
      members: ['anna', 'ben'],
      distribution: 'in-order',
      rings: 2,
      wrapUpSeconds: 600,
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadNumber(NUMBER, { group: 'pair' });

    const { results } = await playCalls(
      [caller('first', 0), caller('second', 100), caller('third', 200)],
      { anna: { answerAfter: 1, hangUpAfter: 30 }, ben: { answerAfter: 1, hangUpAfter: 30 } },
      { projectClockFrom: clock.start },
    );

    const [first, second, third] = results as [CallResult, CallResult, CallResult];
    expect(first.answeredBy).toBe('anna');
    // In order, anna comes first, but she wraps up until 631 s: ben takes the second call.
    expect(second.offers.map((offer) => offer.members)).toEqual([['ben']]);
    // Both wrap up now: nobody is offered the third call.
    expect(third.offers).toEqual([]);
    expect(third.answeredBy).toBeUndefined();

    // The simulation ran on to the wake-ups at the ends of the wrap-ups; back to 300 s.
    vi.setSystemTime(clock.start + 300_000);
    expect(await liveRow('pair', 'anna')).toMatchObject({
      presence: 'wrap-up',
      wrapUpUntil: new Date((clock.at(31) + 600) * 1000).toISOString(),
    });
    expect((await admin('PUT', '/users/anna/status', { status: 'available' })).statusCode).toBe(200);
    expect(await liveRow('pair', 'anna')).toMatchObject({ presence: 'available', wrapUpUntil: null });
  });
});
