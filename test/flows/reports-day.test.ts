import { beforeAll, describe, expect, it } from 'vitest';
import type { CallerScript, CallResult, Transport } from '../../bin/simulator/engine.js';
import { callersOf, inProcessTransport, playCalls } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { useProjectClock } from '../support/project-clock.js';
import { createTestTable } from '../support/table.js';

const DESK = '+493055555601';
const SALES = '+493055555602';
const OUTSIDE = '+15550009999';
const NIGHT = '+493055555605';

type Counts = Record<string, number>;
type Figures = {
  counts: Counts;
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  longestWaitSeconds: number;
  averageTalkSeconds: number | null;
};
type MemberRow = { member: string; offers: number; answered: number; missedOffers: number; answerRate: number | null; talkSeconds: number };
type Report = { total: Figures; members: MemberRow[]; memberFormulas: Record<string, string>; formulas: Record<string, string> };

const caller = (id: string, at: number, to: string, extra: Partial<CallerScript> = {}): CallerScript => callersOf(to)(id, at, extra);

/**
 * A known morning of group `desk` (in order: anna, then ben; voicemail when nobody answers) and group
 * `sales` (clara; forwards to an outside number), played by the call simulator with the project's
 * clock following the simulated one:
 * - a1: anna answers after 10 s and talks 60 s;
 * - a2: anna does not answer, ben answers 5 s into his ring and talks 30 s;
 * - ab: the caller hangs up after 12 s while anna rings (abandoned);
 * - sh: the caller hangs up after 3 s (a short abandon);
 * - vm: nobody answers, the caller leaves a message;
 * - fw: sales' clara does not answer, the call is forwarded out and answered there;
 * - cl: group `night` is closed: its closed action takes a message without ringing anyone.
 */
function morning(): CallerScript[] {
  return [
    caller('a1', 0, DESK, { devices: { anna: { answerAfter: 10, hangUpAfter: 60 } } }),
    caller('a2', 200, DESK, { devices: { anna: 'no-answer', ben: { answerAfter: 5, hangUpAfter: 30 } } }),
    caller('ab', 400, DESK, { hangUpAfter: 12 }),
    caller('sh', 500, DESK, { hangUpAfter: 3 }),
    caller('vm', 600, DESK, { message: 8 }),
    caller('fw', 800, SALES, { devices: { [OUTSIDE]: { answerAfter: 4, hangUpAfter: 20 } } }),
    caller('cl', 900, NIGHT, { message: 5, devices: { clara: 'answer' } }),
  ];
}

/** Twilio retrying every webhook: each request is delivered twice; Twilio acts on the first answer. */
const everyWebhookTwice: Transport = async (request) => {
  const first = await inProcessTransport(request);
  await inProcessTransport(request);
  return first;
};

async function reportOf(group: string, fromMs: number): Promise<Report> {
  const query = `group=${group}&from=${new Date(fromMs).toISOString()}&to=${new Date(fromMs + 3_600_000).toISOString()}&interval=hour`;
  const result = await admin('GET', `/reports?${query}`);
  expect(result.statusCode).toBe(200);
  return result.body as unknown as Report;
}

/** SPEC 17, end to end: known calls played by the simulator, every figure of GET /reports computed by hand. */
describe('reports of played calls', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben', 'clara']) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('desk', { members: ['anna', 'ben'], distribution: 'in-order', rings: 3, whenNobodyAnswers: { action: 'voicemail' } });
    await loadGroup('sales', { members: ['clara'], rings: 3, whenNobodyAnswers: { action: 'forward-to-number', number: OUTSIDE } });
    await loadNumber(DESK, { group: 'desk' });
    await loadNumber(SALES, { group: 'sales' });
    await put('/schedules/never', {
      name: 'Never',
      timeZone: 'UTC',
      weekly: [],
      override: { state: 'closed', until: '2036-01-01T00:00:00Z' },
    });
    await loadGroup('night', {
      members: ['clara'],
      schedule: 'never',
      whenClosed: { action: 'voicemail' },
      whenNobodyAnswers: { action: 'hangup' },
    });
    await loadNumber(NIGHT, { group: 'night' });
  });

  const clock = useProjectClock();

  /** The figures a morning must give, computed by hand from what the simulation says happened. */
  function expectMorning(desk: Report, sales: Report, night: Report, results: readonly CallResult[]): void {
    const call = (id: string): CallResult => results.find((result) => result.id === id)!;
    const [a1, a2] = [call('a1'), call('a2')];
    // Waits to the answer, from the simulator's own clock: a1 about 10 s, a2 anna's ring plus 5 s.
    const wait1 = a1.answeredAt! - a1.startedAt;
    const wait2 = a2.answeredAt! - a2.startedAt;
    expect(wait1).toBe(10);
    expect(wait2).toBeGreaterThan(20);
    expect(desk.total.counts).toMatchObject({
      calls: 5,
      answered: 2,
      abandoned: 1,
      shortAbandoned: 1,
      voicemails: 1,
      missed: 0,
      forwarded: 0,
      closed: 0,
      answeredInTime: 1,
      answerSeconds: wait1 + wait2,
      talkSeconds: 60 + 30,
    });
    // Answered within 20 s: a1 only; divided by answered (2) + abandoned (1); the short abandon is out.
    expect(desk.total.serviceLevel).toBe(0.333);
    expect(desk.total.averageSpeedOfAnswerSeconds).toBe(Math.round(((wait1 + wait2) / 2) * 10) / 10);
    expect(desk.total.longestWaitSeconds).toBe(wait2);
    expect(desk.total.averageTalkSeconds).toBe(45);
    // anna was offered every desk call (a1, a2, ab, sh, vm) and answered a1; ben a2 and vm, answering a2.
    const row = (report: Report, member: string) => report.members.find((each) => each.member === member);
    expect(row(desk, 'anna')).toMatchObject({ offers: 5, answered: 1, missedOffers: 4, answerRate: 0.2, talkSeconds: 60 });
    expect(row(desk, 'ben')).toMatchObject({ offers: 2, answered: 1, missedOffers: 1, answerRate: 0.5, talkSeconds: 30 });
    expect(sales.total.counts).toMatchObject({ calls: 1, forwarded: 1, answered: 0, missed: 1 });
    expect(row(sales, 'clara')).toMatchObject({ offers: 1, answered: 0, missedOffers: 1, answerRate: 0 });
    // Closed: counted as closed and by what its closed action led to; clara was never rung.
    expect(night.total.counts).toMatchObject({ calls: 1, closed: 1, voicemails: 1, answered: 0 });
    expect(row(night, 'clara')).toMatchObject({ offers: 0, answered: 0 });
    expect(Object.keys(desk.memberFormulas)).toEqual([
      'offers',
      'answered',
      'missedOffers',
      'answerRate',
      'talkSeconds',
      'availableSeconds',
      'awaySeconds',
    ]);
    expect(desk.formulas.forwarded).toContain('forwarded');
  }

  it('gives every figure of a known morning, computed by hand', async () => {
    const { results } = await playCalls(morning(), {}, { projectClockFrom: clock.start });
    expectMorning(await reportOf('desk', clock.start), await reportOf('sales', clock.start), await reportOf('night', clock.start), results);
  });

  it('gives the same figures when Twilio delivers every webhook twice', async () => {
    const { results } = await playCalls(morning(), {}, { projectClockFrom: clock.start, transport: everyWebhookTwice });
    expectMorning(await reportOf('desk', clock.start), await reportOf('sales', clock.start), await reportOf('night', clock.start), results);
  });
});

/** SPEC 17: a call's story from the ledger, and the ledger as Asterisk queue_log lines. */
describe('the ledger of played calls', () => {
  const FRONT = '+493055555603';
  const BEN_ONLY = '+493055555604';

  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben', 'clara']) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('front', {
      members: ['anna', 'ben', 'clara'],
      distribution: 'in-order',
      rings: 3,
      whenNobodyAnswers: { action: 'voicemail' },
    });
    await loadGroup('ben-only', { members: ['ben'], rings: 3, whenNobodyAnswers: { action: 'voicemail' } });
    await loadNumber(FRONT, { group: 'front' });
    await loadNumber(BEN_ONLY, { group: 'ben-only' });
  });

  const clock = useProjectClock();
  const hhmm = (ms: number): string => new Date(ms).toISOString().slice(11, 16);

  it('explains a call that skipped an away and a busy member, naming both reasons', async () => {
    await put('/users/anna/status', { status: 'away' });
    const { results } = await playCalls(
      [
        caller('talk', 0, BEN_ONLY, { devices: { ben: { answerAfter: 2, hangUpAfter: 300 } } }),
        caller('story', 60, FRONT, { devices: { clara: { answerAfter: 4, hangUpAfter: 20 } } }),
      ],
      {},
      { projectClockFrom: clock.start },
    );
    await put('/users/anna/status', { status: 'available' });
    const back = Date.now();
    // Time away and available, from the status changes: anna away from the start until she came back;
    // ben available since he was created (before the range) until now, which is when anna came back.
    const range = `from=${new Date(clock.start).toISOString()}&to=${new Date(clock.start + 3_600_000).toISOString()}`;
    const { members: rows } = (await admin('GET', `/reports?group=front&${range}`)).body as unknown as Report & {
      members: (MemberRow & { availableSeconds: number; awaySeconds: number })[];
    };
    const seconds = Math.round((back - clock.start) / 1000);
    expect(seconds).toBeGreaterThan(60);
    expect(rows.find((row) => row.member === 'anna')).toMatchObject({ awaySeconds: seconds, availableSeconds: 0, offers: 0 });
    expect(rows.find((row) => row.member === 'ben')).toMatchObject({ awaySeconds: 0, availableSeconds: seconds });
    const story = results.find((result) => result.id === 'story')!;
    const explained = await admin('GET', `/calls/${story.sid}/explain`);
    expect(explained.statusCode).toBe(200);
    const texts = (explained.body.steps as { text: string }[]).map((step) => step.text);
    expect(texts).toEqual([
      'entered front',
      `anna skipped: away since ${hhmm(clock.start)}`,
      `ben not rung: talking since ${hhmm(clock.start + 2000)}`,
      "clara offered: first free member in the group's order",
      'answered by clara after 4 s',
      'clara hung up',
      'ended: answered, 24 s',
    ]);
    expect(explained.body.outcome).toBe('answered');
    // Times in the administrator's zone.
    const berlin = await admin('GET', `/calls/${story.sid}/explain?timeZone=Europe/Berlin`);
    expect((berlin.body.steps as { time: string }[])[0]?.time).toBe(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      }).format(clock.start + 60_000),
    );
    expect((await admin('GET', '/calls/CAnothing/explain')).statusCode).toBe(404);
    expect((await admin('GET', `/calls/${story.sid}/explain?timeZone=Mars/Base`)).statusCode).toBe(400);
  });

  it('a webhook Twilio delivers again later, after the call went on, changes neither the story nor a figure', async () => {
    // Every request of the call, kept to be delivered again once the call is over.
    const sent: Parameters<Transport>[0][] = [];
    const keeping: Transport = async (request) => {
      sent.push(request);
      return inProcessTransport(request);
    };
    const { results } = await playCalls(
      [caller('late', 0, FRONT, { devices: { anna: { answerAfter: 3, hangUpAfter: 40 } } })],
      {},
      { projectClockFrom: clock.start, transport: keeping },
    );
    const [late] = results as [CallResult];
    const range = `from=${new Date(clock.start).toISOString()}&to=${new Date(clock.start + 3_600_000).toISOString()}`;
    const storyBefore = (await admin('GET', `/calls/${late.sid}/explain`)).body;
    const reportBefore = (await admin('GET', `/reports?group=front&${range}`)).body;
    expect(storyBefore.steps).toEqual(
      expect.arrayContaining([expect.objectContaining({ text: "anna offered: first free member in the group's order" })]),
    );

    // Later, with anna no longer ringing for it, every webhook of the call arrives once more.
    for (const request of sent) await inProcessTransport(request);

    expect((await admin('GET', `/calls/${late.sid}/explain`)).body).toEqual(storyBefore);
    const reportAfter = (await admin('GET', `/reports?group=front&${range}`)).body as Report & { members: Record<string, unknown>[] };
    const withoutTime = (report: Record<string, unknown>) => ({
      ...report,
      members: (report.members as Record<string, unknown>[]).map(({ availableSeconds: _a, awaySeconds: _b, ...row }) => row),
    });
    expect(withoutTime(reportAfter)).toEqual(withoutTime(reportBefore));
  });

  it('exports a known call as the queue_log lines Asterisk would write', async () => {
    const legSids = new Set<string>();
    const legs: Transport = async (request) => {
      // The answered leg's CallSid is the bridged channel of CONNECT.
      if (new URL(request.url).pathname === '/voice/leg' && request.params.CallStatus === 'in-progress')
        legSids.add(request.params.CallSid ?? '');
      return inProcessTransport(request);
    };
    const { results } = await playCalls(
      [caller('known', 0, FRONT, { devices: { anna: 'no-answer', ben: { answerAfter: 5, hangUpAfter: 30 } } })],
      {},
      { projectClockFrom: clock.start, transport: legs },
    );
    const [benLeg] = [...legSids];
    const [known] = results as [CallResult];
    const [annaOffer, benOffer] = known.offers as [CallResult['offers'][number], CallResult['offers'][number]];
    const start = clock.start / 1000 + known.startedAt;
    const ring = benOffer.at - annaOffer.at;
    const hold = known.answeredAt! - known.startedAt;
    const from = new Date(clock.start).toISOString();
    const to = new Date(clock.start + 3_600_000).toISOString();
    const exported = await admin('GET', `/reports/queue-log?group=front&from=${from}&to=${to}`);
    expect(exported.statusCode).toBe(200);
    expect(exported.body.contentType).toBe('text/plain; charset=utf-8');
    const sid = known.sid;
    expect(String(exported.body.text).trimEnd().split('\n')).toEqual([
      `${start}|${sid}|front|NONE|ENTERQUEUE||${known.from}|1`,
      `${start + ring}|${sid}|front|anna|RINGNOANSWER|${ring * 1000}`,
      `${start + hold}|${sid}|front|ben|CONNECT|${hold}|${benLeg}|5`,
      `${start + hold + 30}|${sid}|front|ben|COMPLETEAGENT|${hold}|30|1`,
    ]);
  });
});
