import { describe, expect, it } from 'vitest';
import type { Member } from '../../functions/commons/schemas.js';
import { groupSteps, memberTallies, offerEvent, storyOf, type LedgerEvent } from '../../functions/routing/ledger.js';
import { queueLogLines } from '../../functions/routing/queue-log.js';
import { memberReport, statusTime } from '../../functions/routing/report.js';

const T = Date.UTC(2026, 10, 27, 10, 0, 0);
const s = (second: number): number => T + second * 1000;
const member = (id: string, status: 'available' | 'away' = 'available', statusSince?: string): Member & { statusSince?: string } => ({
  id,
  name: id,
  devices: [{ type: 'client', identity: id }],
  status,
  ...(statusSince === undefined ? {} : { statusSince }),
});

describe('the ledger (SPEC 17)', () => {
  const members = new Map([
    ['anna', member('anna', 'away', '2026-11-27T09:12:00.000Z')],
    ['ben', member('ben')],
    ['clara', member('clara')],
    ['dora', member('dora')],
    ['emil', member('emil')],
  ]);
  const presence = {
    now: T / 1000,
    byMember: new Map([
      ['clara', { busyCall: 'CAother', busyUntil: T / 1000 + 3600, busySince: Date.UTC(2026, 10, 27, 9, 55) / 1000 }],
      ['dora', { wrapUpUntil: T / 1000 + 30 }],
    ]),
  };

  it('says why each member of an evenly offer was rung or not', () => {
    const event = offerEvent({
      group: 'support',
      at: T,
      order: ['anna', 'ben', 'clara', 'dora', 'emil'],
      distribution: 'evenly',
      offered: [],
      chosen: ['ben'],
      state: {
        members,
        presence,
        rotation: {
          lastOffer: new Map([
            ['ben', Date.UTC(2026, 10, 27, 9, 2)],
            ['emil', Date.UTC(2026, 10, 27, 9, 40)],
          ]),
        },
      },
    });
    expect(storyOf([event], 'UTC').map((step) => step.text)).toEqual([
      'anna skipped: away since 09:12',
      'clara not rung: talking since 09:55',
      'dora not rung: wrapping up until 10:00',
      'emil not rung: free, ben came first (emil offered last at 09:40)',
      'ben offered: offered longest ago (09:02)',
    ]);
    // Another zone moves every time the story names.
    expect(storyOf([event], 'Europe/Berlin')[0]?.text).toBe('anna skipped: away since 10:12');
  });

  it('names the other reasons: in order, ring all, extension, no phone', () => {
    const noPhone = new Map([...members, ['fritz', { ...member('fritz'), devices: [] }]]);
    const base = { group: 'g', at: T, offered: [], state: { members: noPhone, presence, rotation: { lastOffer: new Map() } } };
    const text = (event: LedgerEvent): string[] => storyOf([event], 'UTC').map((step) => step.text);
    expect(text(offerEvent({ ...base, order: ['fritz', 'ben'], distribution: 'in-order', chosen: ['ben'] }))).toEqual([
      'fritz skipped: no phone to ring',
      "ben offered: first free member in the group's order",
    ]);
    expect(text(offerEvent({ ...base, order: ['ben', 'emil'], distribution: 'all-at-once', chosen: ['ben', 'emil'] }))).toEqual([
      'ben offered: rung with every free member',
      'emil offered: rung with every free member',
    ]);
    expect(text(offerEvent({ ...base, order: ['ben'], distribution: 'extension', chosen: ['ben'] }))).toEqual([
      'ben offered: their extension was dialled',
    ]);
    expect(text(offerEvent({ ...base, order: ['ben'], distribution: 'evenly', chosen: ['ben'] }))).toEqual([
      'ben offered: never offered a call before',
    ]);
  });

  it('tells a reason once per call, and not that a member was already offered', () => {
    const order = ['anna', 'ben', 'emil'];
    const state = { members, presence, rotation: { lastOffer: new Map<string, number>() } };
    const first = offerEvent({ group: 'g', at: T, order, distribution: 'in-order', offered: [], chosen: ['ben'], state });
    const second = offerEvent({ group: 'g', at: s(20), order, distribution: 'in-order', offered: ['ben'], chosen: ['emil'], state });
    expect(storyOf([first, second], 'UTC').map((step) => step.text)).toEqual([
      'anna skipped: away since 09:12',
      'emil not rung: free, ben came first',
      "ben offered: first free member in the group's order",
      "emil offered: first free member in the group's order",
    ]);
  });

  const offered = (at: number, group: string, ...ids: string[]): LedgerEvent => ({
    kind: 'offered',
    at,
    group,
    members: ids.map((id) => ({ member: id, reason: 'first-in-order' as const })),
    skipped: [],
  });

  it("counts each member's offers, answers and talk in the group whose offer was answered", () => {
    const events: LedgerEvent[] = [
      { kind: 'entered', at: s(0), group: 'first' },
      offered(s(0), 'first', 'anna', 'ben'),
      { kind: 'not-answered', at: s(20), group: 'first', members: ['anna', 'ben'], ringSeconds: 20, status: 'no-answer' },
      { kind: 'missed-call-action', at: s(20), group: 'first', action: 'distribute', to: 'second', why: 'nobody-answered' },
      { kind: 'entered', at: s(20), group: 'second' },
      offered(s(20), 'second', 'ben'),
      { kind: 'answered', at: s(27), member: 'ben' },
      { kind: 'ended', at: s(87), outcome: 'answered', durationSeconds: 87, answeredBy: 'ben', answeredAfterSeconds: 27 },
    ];
    const tallies = memberTallies(events);
    expect(Object.fromEntries(tallies.get('first') ?? [])).toEqual({
      anna: { offers: 1, answered: 0, missedOffers: 1, talkSeconds: 0 },
      ben: { offers: 1, answered: 0, missedOffers: 1, talkSeconds: 0 },
    });
    expect(Object.fromEntries(tallies.get('second') ?? [])).toEqual({ ben: { offers: 1, answered: 1, missedOffers: 0, talkSeconds: 60 } });
    // The first group passed the call on: not answered there; the second answered it 7 s after it entered.
    expect(groupSteps(events, 'first')).toEqual({ forwarded: false, closed: false, passedOn: true, answeredHere: false });
    expect(groupSteps(events, 'second')).toEqual({
      forwarded: false,
      closed: false,
      passedOn: false,
      answeredHere: true,
      answerSeconds: 7,
    });
    // queue_log: the first group's lines end when it passed the call on; the answer is the second's.
    const t = T / 1000;
    expect(queueLogLines('CA1', events, 'first')).toEqual([
      `${t}|CA1|first|NONE|ENTERQUEUE|||1`,
      `${t + 20}|CA1|first|anna|RINGNOANSWER|20000`,
      `${t + 20}|CA1|first|ben|RINGNOANSWER|20000`,
      `${t + 20}|CA1|first|NONE|EXITWITHTIMEOUT|1|1|20`,
    ]);
    expect(queueLogLines('CA1', events, 'second')).toEqual([
      `${t + 20}|CA1|second|NONE|ENTERQUEUE|||1`,
      `${t + 27}|CA1|second|ben|CONNECT|7|CA1|7`,
      `${t + 87}|CA1|second|ben|COMPLETECALLER|7|60|1`,
    ]);
  });

  it('counts a pickup as no offer: the member it rang at missed it, the picker answered nothing offered', () => {
    const events: LedgerEvent[] = [
      { kind: 'entered', at: s(0), group: 'g' },
      offered(s(0), 'g', 'anna'),
      { kind: 'answered', at: s(6), member: 'ben', pickedUpFrom: 'anna', leg: 'CApicker' },
      { kind: 'ended', at: s(66), outcome: 'answered', durationSeconds: 66, answeredBy: 'ben', answeredAfterSeconds: 6 },
    ];
    expect(Object.fromEntries(memberTallies(events).get('g') ?? [])).toEqual({
      anna: { offers: 1, answered: 0, missedOffers: 1, talkSeconds: 0 },
    });
    // The group's offer was the one answered (by a pickup), 6 s after the call entered it.
    expect(groupSteps(events, 'g')).toMatchObject({ answeredHere: true, answerSeconds: 6 });
    expect(queueLogLines('CA1', events, 'g').slice(1)).toEqual([
      `${T / 1000 + 6}|CA1|g|ben|CONNECT|6|CApicker|6`,
      `${T / 1000 + 66}|CA1|g|ben|COMPLETECALLER|6|60|1`,
    ]);
  });

  it('writes queue_log lines for a timeout, an abandon, a closed group and a callback request', () => {
    const entered: LedgerEvent = { kind: 'entered', at: s(0), group: 'g', from: '+15550001111' };
    const lines = (...events: LedgerEvent[]): string[] => queueLogLines('CA1', [entered, ...events], 'g').slice(1);
    const t = T / 1000;
    expect(lines({ kind: 'missed-call-action', at: s(40), group: 'g', action: 'voicemail', why: 'nobody-answered' })).toEqual([
      `${t + 40}|CA1|g|NONE|EXITWITHTIMEOUT|1|1|40`,
    ]);
    expect(lines({ kind: 'ended', at: s(12), outcome: 'abandoned-ringing', durationSeconds: 12 })).toEqual([
      `${t + 12}|CA1|g|NONE|ABANDON|1|1|12`,
    ]);
    expect(lines({ kind: 'closed', at: s(0), group: 'g', action: 'voicemail' })).toEqual([`${t}|CA1|g|NONE|EXITEMPTY|1|1|0`]);
    expect(lines({ kind: 'ended', at: s(30), outcome: 'callback-requested', durationSeconds: 30 })).toEqual([
      `${t + 30}|CA1|g|NONE|EXITWITHKEY|1|1`,
    ]);
    expect(lines({ kind: 'missed-call-action', at: s(5), group: 'g', action: 'voicemail', why: 'line-full' })).toEqual([
      `${t + 5}|CA1|g|NONE|FULL`,
    ]);
    // A call that never entered the group has no lines there.
    expect(queueLogLines('CA1', [entered], 'other')).toEqual([]);
  });

  it('counts time available and away from status changes, nothing before the first', () => {
    const changes = [
      { at: s(-600), status: 'available' as const },
      { at: s(600), status: 'away' as const },
      { at: s(900), status: 'available' as const },
    ];
    expect(statusTime(changes, s(0), s(1800))).toEqual({ availableSeconds: 600 + 900, awaySeconds: 300 });
    expect(statusTime(changes.slice(1), s(0), s(1800))).toEqual({ availableSeconds: 900, awaySeconds: 300 });
    expect(statusTime([], s(0), s(1800))).toEqual({ availableSeconds: 0, awaySeconds: 0 });
    const [row] = memberReport(
      [
        { start: 'a', member: 'anna', tally: { offers: 3, answered: 1, missedOffers: 2, talkSeconds: 50 } },
        { start: 'b', member: 'anna', tally: { offers: 1, answered: 1, missedOffers: 0, talkSeconds: 10 } },
      ],
      ['anna'],
      new Map([['anna', { availableSeconds: 5, awaySeconds: 6 }]]),
    );
    expect(row).toEqual({
      member: 'anna',
      offers: 4,
      answered: 2,
      missedOffers: 2,
      talkSeconds: 60,
      answerRate: 0.5,
      availableSeconds: 5,
      awaySeconds: 6,
    });
  });
});
