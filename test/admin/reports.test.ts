import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { unknownCall, type CallState } from '../../functions/routing/call-outcome.js';
import { send, tableName } from '../../functions/store/client.js';
import { finishCall } from '../../functions/store/call-store.js';
import { MAX_QUEUE_LOG_CALLS } from '../../functions/admin/call-story.js';
import { playCall } from '../support/call-player.js';
import { loadGroup, loadMembers, loadNumber, NUMBER_PLAIN } from '../support/fixtures.js';
import { admin, postVoice } from '../support/invoke.js';
import { createTestTable } from '../support/table.js';

const at = (iso: string): number => Date.parse(iso) / 1000;
const sid = (n: number): string => `CA${String(n).padStart(32, '0')}`;

/** A call of group `desk` that started at `start` (ISO) and lasted `duration` seconds, shaped by `state`. */
async function ended(n: number, start: string, duration: number, state: Partial<CallState>): Promise<void> {
  const call: CallState = { ...unknownCall(sid(n)), group: 'desk', groups: ['desk'], startedAt: at(start), ...state };
  await finishCall(call, at(start) + duration, duration, () => ({ serviceLevelSeconds: 20, shortAbandonSeconds: 5 }));
}

type Row = {
  interval: string;
  counts: Record<string, number>;
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  longestWaitSeconds: number;
  averageTalkSeconds: number | null;
};

async function reportOf(query: string): Promise<{ intervals: Row[]; total: Row; bucketsRead: number; formulas: Record<string, string> }> {
  const result = await admin('GET', `/reports?${query}`);
  expect(result.statusCode).toBe(200);
  return result.body as never;
}

/** Items written as they are (a batch may leave some unprocessed under load: they are sent again). */
async function putAll(items: readonly Record<string, unknown>[]): Promise<void> {
  for (let offset = 0; offset < items.length; offset += 25) {
    let requests = items.slice(offset, offset + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
}

/** SPEC 17: the group's figures from counters added when each call's end is recorded, against DynamoDB Local. */
describe('reports', () => {
  beforeAll(async () => {
    await createTestTable();
    await loadMembers();
    await loadGroup('desk', {
      members: ['anna'],
      serviceLevelSeconds: 20,
      shortAbandonSeconds: 5,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    await loadGroup('month', { members: ['anna'] });
    // A known morning (UTC): 09:00-10:00 and 10:00-11:00.
    const s = '2026-11-02T';
    await ended(1, `${s}09:01:00Z`, 70, { answeredBy: 'anna', answeredAt: at(`${s}09:01:10Z`) });
    await ended(2, `${s}09:05:00Z`, 130, { answeredBy: 'anna', answeredAt: at(`${s}09:05:30Z`) });
    await ended(3, `${s}09:20:00Z`, 40, { abandoned: 'waiting', lineJoinedAt: at(`${s}09:20:00Z`), waitedSeconds: 40 });
    await ended(4, `${s}09:21:00Z`, 3, { abandoned: 'ringing' });
    await ended(5, `${s}09:40:00Z`, 50, { voicemail: true });
    await ended(6, `${s}10:10:00Z`, 90, { callbackRequested: true, lineJoinedAt: at(`${s}10:10:00Z`), waitedSeconds: 60 });
    await ended(7, `${s}10:50:00Z`, 25, {});
  });

  it('gives every figure of a known morning by the hour, as computed by hand', async () => {
    const { intervals } = await reportOf('group=desk&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z&interval=hour');

    expect(intervals.map((row) => row.interval)).toEqual(['2026-11-02 09:00', '2026-11-02 10:00']);
    const [nine, ten] = intervals as [Row, Row];
    expect(nine.counts).toMatchObject({ calls: 5, answered: 2, abandoned: 1, shortAbandoned: 1, voicemails: 1, missed: 0 });
    // Answered within 20 s: call 1 (10 s), not call 2 (30 s); abandoned: call 3; the short abandon is out.
    expect(nine.serviceLevel).toBe(0.333);
    expect(nine.averageSpeedOfAnswerSeconds).toBe(20);
    expect(nine.averageTalkSeconds).toBe(80);
    expect(nine.longestWaitSeconds).toBe(40);
    expect(ten.counts).toMatchObject({ calls: 2, callbacksRequested: 1, missed: 1, answered: 0 });
    expect(ten.serviceLevel).toBeNull();
    expect(ten.longestWaitSeconds).toBe(60);
  });

  it('sums the same buckets into days and 15 minutes in another time zone, and says each formula', async () => {
    const berlin = await reportOf('group=desk&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z&interval=hour&timeZone=Europe/Berlin');
    expect(berlin.intervals.map((row) => row.interval)).toEqual(['2026-11-02 10:00', '2026-11-02 11:00']);
    const day = await reportOf('group=desk&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z&interval=day');
    expect(day.intervals).toHaveLength(1);
    expect(day.intervals[0]?.counts.calls).toBe(7);
    expect(day.total.counts.calls).toBe(7);
    const quarters = await reportOf('group=desk&from=2026-11-02T09:00:00Z&to=2026-11-02T09:30:00Z&interval=15m');
    expect(quarters.intervals.map((row) => [row.interval, row.counts.calls])).toEqual([
      ['2026-11-02 09:00', 2],
      ['2026-11-02 09:15', 2],
    ]);
    expect(Object.keys(day.formulas)).toEqual(
      expect.arrayContaining(['serviceLevel', 'averageSpeedOfAnswerSeconds', 'longestWaitSeconds']),
    );
    expect(day.formulas.serviceLevel).toContain('÷');
  });

  it('answers as CSV, one row per interval', async () => {
    const result = await admin('GET', '/reports?group=desk&from=2026-11-02T00:00:00Z&to=2026-11-03T00:00:00Z&interval=hour&format=csv');
    expect(result.statusCode).toBe(200);
    expect(result.body.contentType).toBe('text/csv; charset=utf-8');
    const lines = String(result.body.text).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'interval,calls,answered,abandoned,shortAbandoned,voicemails,missed,forwarded,closed,callbacksRequested,calledBack,callbacksFailed,serviceLevel,averageSpeedOfAnswerSeconds,longestWaitSeconds,averageTalkSeconds',
    );
    expect(lines.slice(1)).toEqual([
      '2026-11-02 09:00,5,2,1,1,1,0,0,0,0,0,0,0.333,20,40,80',
      '2026-11-02 10:00,2,0,0,0,0,1,0,0,1,0,0,,,60,',
    ]);
  });

  it('refuses a bad query, naming each problem', async () => {
    const result = await admin('GET', '/reports?group=Bad!&from=yesterday&interval=month&timeZone=Mars/Base');
    expect(result.statusCode).toBe(400);
    const paths = (result.body.problems as { path: string }[]).map((problem) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['group', 'from', 'to', 'interval', 'timeZone']));
  });

  it('a retried status callback changes no figure', async () => {
    await loadNumber(NUMBER_PLAIN, { group: 'desk' });
    const played = await playCall({ to: NUMBER_PLAIN, devices: { anna: 'answer' } });
    const day = new Date().toISOString().slice(0, 10);
    const query = `group=desk&from=${day}T00:00:00Z&to=${new Date(Date.parse(`${day}T00:00:00Z`) + 2 * 86_400_000).toISOString()}&interval=day`;
    const before = await reportOf(query);
    expect(before.total.counts.answered).toBe(1);
    const status = played.requests.find((request) => new URL(request.url).pathname === '/voice/status');
    if (status === undefined) throw new Error('no status callback');

    const retried = await postVoice({ pathAndQuery: '/voice/status', params: status.params });

    expect(retried.statusCode).toBe(200);
    expect(await reportOf(query)).toEqual(before);
  });

  it('answers a month of 10,000 calls from its counters: the items read do not grow with the calls', async () => {
    // 30 days of hourly buckets holding 10,000 calls in all (as call ends would have added them).
    const items = [];
    for (let day = 0; day < 30; day += 1)
      for (let hour = 0; hour < 24; hour += 1) {
        const start = new Date(Date.UTC(2026, 9, 1 + day, hour)).toISOString();
        const index = day * 24 + hour;
        const calls = index < 640 ? 14 : 13; // 640 x 14 + 80 x 13 = 10,000
        items.push({
          pk: `REPORT#month#${start.slice(0, 10)}`,
          sk: start,
          calls,
          answered: calls - 2,
          abandoned: 2,
          answeredInTime: calls - 3,
        });
      }
    await putAll(items);

    const month = await reportOf('group=month&from=2026-10-01T00:00:00Z&to=2026-10-31T00:00:00Z&interval=week');

    expect(month.total.counts.calls).toBe(10_000);
    expect(month.bucketsRead).toBe(720);
    expect(month.total.serviceLevel).toBe(Math.round(((10_000 - 720 * 3) / 10_000) * 1000) / 1000);
  });

  it('refuses a queue_log export of more calls than one answer holds, naming the range', async () => {
    // 2,001 calls of group month that ended on one day, as their ends would have logged them.
    const logged = Array.from({ length: MAX_QUEUE_LOG_CALLS + 1 }, (_, n) => {
      const endedAt = new Date(Date.UTC(2026, 9, 5, 8) + n * 1000).toISOString();
      return {
        pk: `CALLLOG#month#2026-10-05`,
        sk: `${endedAt}#${sid(100_000 + n)}`,
        callSid: sid(100_000 + n),
        groups: ['month'],
        endedAt,
      };
    });
    await putAll(logged);
    const refused = await admin('GET', '/reports/queue-log?group=month&from=2026-10-05T00:00:00Z&to=2026-10-06T00:00:00Z');
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(refused.body)).toContain(`more than ${MAX_QUEUE_LOG_CALLS} calls`);
    // A shorter range is answered (these calls have no ledger, so no lines).
    const shorter = await admin('GET', '/reports/queue-log?group=month&from=2026-10-05T08:00:00Z&to=2026-10-05T08:30:00Z');
    expect(shorter.statusCode).toBe(200);
  });

  it("answers a range that has not begun with no member's time, rather than failing", async () => {
    const from = new Date(Date.now() + 86_400_000).toISOString();
    const to = new Date(Date.now() + 2 * 86_400_000).toISOString();
    const result = await admin('GET', `/reports?group=desk&from=${from}&to=${to}`);
    expect(result.statusCode).toBe(200);
    expect(result.body.members).toEqual([expect.objectContaining({ member: 'anna', offers: 0, availableSeconds: 0, awaySeconds: 0 })]);
  });

  it('GET /calls pages with a cursor: every call once, newest first, and a bad cursor is refused', async () => {
    const seen: { callSid: string; endedAt: string }[] = [];
    let query = '/calls?group=desk&since=2026-11-02T00:00:00Z&until=2026-11-03T00:00:00Z&limit=3';
    for (let page = 0; page < 5; page += 1) {
      const result = await admin('GET', query);
      expect(result.statusCode).toBe(200);
      seen.push(...(result.body.calls as { callSid: string; endedAt: string }[]));
      const next = result.body.next as string | undefined;
      if (next === undefined) break;
      query = `/calls?group=desk&limit=3&cursor=${next}`;
    }

    expect(seen.map((call) => call.callSid)).toEqual([7, 6, 5, 4, 3, 2, 1].map(sid));
    const refused = await admin('GET', '/calls?cursor=not-a-cursor');
    expect(refused.statusCode).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('cursor');
  });
});
