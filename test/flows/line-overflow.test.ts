import { beforeAll, describe, expect, it } from 'vitest';
import type { CallResult, TranscriptEvent } from '../../bin/simulator/engine.js';
import { playCalls, callersOf } from '../support/call-player.js';
import { loadGroup, loadNumber } from '../support/fixtures.js';
import { admin, put } from '../support/invoke.js';
import { useProjectClock } from '../support/project-clock.js';
import { createTestTable } from '../support/table.js';

const NUMBER = '+493066666666';
const BACKUP_MOBILE = '+491701112233';

const caller = callersOf(NUMBER);

function heard(events: readonly TranscriptEvent[], call: string): string[] {
  return events.flatMap((event) => (event.type === 'say' && event.call === call ? [event.text] : []));
}

function dialled(result: CallResult): string[] {
  return result.offers.flatMap((offer) => offer.nouns);
}

async function waitingNow(group: string): Promise<unknown[]> {
  return (await admin('GET', `/groups/${group}/live`)).body.waitingCallers as unknown[];
}

/**
 * SPEC 16, capacity and overflow: `maxCallers` + `whenFull`, `whenNobodyAvailable`, `whenMaxWait`
 * taking any missed-call action, and the estimated wait, played as whole calls with the simulator
 * and DynamoDB Local, the project's clock following the simulated one.
 */
describe('the waiting line: capacity, overflow and the estimated wait', () => {
  beforeAll(async () => {
    await createTestTable();
    for (const id of ['anna', 'ben', 'olga']) await put(`/users/${id}`, { name: id, devices: [{ type: 'client', identity: id }] });
    await loadGroup('backup', { members: ['olga'], rings: 2, whenNobodyAnswers: { action: 'hangup' } });
  });

  const clock = useProjectClock();

  it('refuses bad line settings with a 400 naming each field', async () => {
    const result = await admin('PUT', '/groups/bad', {
      name: 'Bad',
      members: [],
      whenNobodyAnswers: {
        action: 'wait-for-agent',
        maxCallers: 0,
        whenFull: { action: 'wait-for-agent' },
        whenMaxWait: { action: 'forward-to-number', number: '0171' },
        menu: { callback: 'yes' },
      },
    });
    expect(result.statusCode).toBe(400);
    const paths = (result.body.problems as { path: string }[]).map((problem) => problem.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.whenNobodyAnswers.maxCallers',
        '$.whenNobodyAnswers.whenFull.action',
        '$.whenNobodyAnswers.whenMaxWait.number',
        '$.whenNobodyAnswers.menu.callback',
      ]),
    );
    // A forward-to-group names a group that must exist.
    const missing = await admin('PUT', '/groups/bad', {
      name: 'Bad',
      members: [],
      whenNobodyAnswers: { action: 'wait-for-agent', whenFull: { action: 'forward-to-group', group: 'nowhere' } },
    });
    expect(missing.statusCode).toBe(409);
  });

  it('maxCallers: the caller after the line is full gets whenFull, only that one; a place that frees up is taken again', async () => {
    await loadGroup('small', {
      members: ['anna'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxCallers: 2, whenFull: { action: 'forward-to-group', group: 'backup' } },
    });
    await loadNumber(NUMBER, { group: 'small' });

    // anna talks to `first` for 200 s; w1 and w2 fill the line; `full` finds it full; w2 hangs up at
    // 100 s, so `later` at 110 s finds a place again.
    const { results } = await playCalls(
      [caller('first', 0), caller('w1', 10), caller('w2', 20, { hangUpAfter: 80 }), caller('full', 30), caller('later', 110)],
      { anna: { answerAfter: 1, hangUpAfter: 200 }, olga: { answerAfter: 1, hangUpAfter: 10 } },
      { playSeconds: 1000, projectClockFrom: clock.start },
    );

    const byId = new Map(results.map((result) => [result.id, result]));
    expect(byId.get('full')?.answeredBy).toBe('olga');
    expect(byId.get('w1')?.answeredBy).toBe('anna');
    expect(byId.get('later')?.answeredBy).toBe('anna');
    for (const id of ['w1', 'later']) expect(dialled(byId.get(id) as CallResult)).not.toContain('client:olga');
    expect(await waitingNow('small')).toEqual([]);
  });

  it('maxCallers holds in a burst: of five callers arriving together, two wait and three get whenFull', async () => {
    await loadGroup('burst', {
      members: ['ben'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxCallers: 2, whenFull: { action: 'hangup' } },
    });
    await loadNumber(NUMBER, { group: 'burst' });

    const { results } = await playCalls(
      [caller('talking', 0), ...[1, 2, 3, 4, 5].map((n) => caller(`b${n}`, 30))],
      { ben: { answerAfter: 1, hangUpAfter: 60 } },
      { playSeconds: 1000, projectClockFrom: clock.start },
    );

    const burst = results.filter((result) => result.id.startsWith('b'));
    expect(
      burst.filter((result) => result.ended === 'hangup' && result.offers.length === 0 && result.answeredBy === undefined),
    ).toHaveLength(3);
    expect(burst.filter((result) => result.answeredBy === 'ben')).toHaveLength(2);
  });

  it('whenNobodyAvailable: with every member away the caller gets it at once, without waiting', async () => {
    await loadGroup('empty', {
      members: ['anna', 'ben'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', whenNobodyAvailable: { action: 'forward-to-number', number: BACKUP_MOBILE } },
    });
    await loadNumber(NUMBER, { group: 'empty' });
    await admin('PUT', '/users/anna/status', { status: 'away' });
    await admin('PUT', '/users/ben/status', { status: 'away' });
    try {
      const { results, events } = await playCalls([caller('alone', 0)], { [BACKUP_MOBILE]: 'answer' }, { projectClockFrom: clock.start });

      const [alone] = results as [CallResult];
      expect(dialled(alone)).toEqual([BACKUP_MOBILE]);
      expect(events.some((event) => event.call === 'alone' && event.type === 'enqueue')).toBe(false);
    } finally {
      await admin('PUT', '/users/anna/status', { status: 'available' });
      await admin('PUT', '/users/ben/status', { status: 'available' });
    }
  });

  it('whenMaxWait: after maxWaitSeconds the caller is distributed in another group', async () => {
    await loadGroup('slow', {
      members: ['anna'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', maxWaitSeconds: 60, whenMaxWait: { action: 'forward-to-group', group: 'backup' } },
    });
    await loadNumber(NUMBER, { group: 'slow' });

    const { results } = await playCalls(
      [caller('talking', 0), caller('patient', 5)],
      { anna: { answerAfter: 1, hangUpAfter: 600 }, olga: { answerAfter: 1, hangUpAfter: 10 } },
      { playSeconds: 20, projectClockFrom: clock.start },
    );

    const patient = results.find((result) => result.id === 'patient') as CallResult;
    expect(patient.answeredBy).toBe('olga');
    expect(patient.answeredAt).toBeGreaterThanOrEqual(65);
  });

  it('announceEstimatedWait: says nothing without history, then an estimate within a minute of the wait that follows', async () => {
    await loadGroup('paced', {
      members: ['anna'],
      rings: 2,
      whenNobodyAnswers: { action: 'wait-for-agent', announceEstimatedWait: true },
    });
    await loadNumber(NUMBER, { group: 'paced' });

    // anna answers within a second and talks 120 s each time: the line moves one caller every ~122 s.
    // Five callers wait from the start; `judged` joins at 520 s, when three answers from the line
    // have given the pace, behind the one still waiting.
    const { results, events } = await playCalls(
      [caller('c0', 0), ...[1, 2, 3, 4, 5].map((n) => caller(`c${n}`, n)), caller('judged', 520)],
      { anna: { answerAfter: 1, hangUpAfter: 120 } },
      { playSeconds: 1000, projectClockFrom: clock.start },
    );

    // The first waiting callers had no history: nothing was estimated.
    expect(heard(events, 'c1').some((text) => text.includes('expected wait'))).toBe(false);
    const said = heard(events, 'judged').find((text) => text.includes('expected wait'));
    expect(said).toMatch(/about (\d+) minutes|about one minute/);
    const minutes = said?.includes('one minute') === true ? 1 : Number(/about (\d+) minutes/.exec(said ?? '')?.[1]);
    const judged = results.find((result) => result.id === 'judged') as CallResult;
    const waited = (judged.answeredAt ?? Number.NaN) - 520;
    // The documented error: within one minute of the wait that followed (docs/decisions.md).
    expect(Math.abs(minutes * 60 - waited)).toBeLessThanOrEqual(60);
  });
});
