import { describe, expect, it } from 'vitest';
import { startInGroup } from '../../functions/routing/call-context.js';
import { emptyRotation, nextOffer, type Rotation } from '../../functions/routing/distribution.js';
import { activity, eligibility, type Presence } from '../../functions/routing/eligibility.js';
import {
  assignWaitingCallers,
  hasWaitedTooLong,
  isSilent,
  LINE_SILENCE_LIMIT_SECONDS,
  positionInLine,
  triedAfterOffer,
  type WaitingCaller,
} from '../../functions/routing/waiting-line.js';
import { byId, group, member, sip } from '../support/members.js';

const NOW = 1_800_000_000;
const view = (marks: Record<string, Presence>, callSid = 'CAthis') => ({ byMember: new Map(Object.entries(marks)), now: NOW, callSid });
const busy = (until = NOW + 100): Presence => ({ busyCall: 'CAother', busyLeg: 'CAleg', busyUntil: until, busySince: NOW - 10 });
const ringing = (call = 'CAother', until = NOW + 30): Presence => ({ ringingCall: call, ringingUntil: until, ringingSince: NOW - 3 });

function caller(callSid: string, overrides: Partial<WaitingCaller> = {}): WaitingCaller {
  return {
    group: 'g',
    place: `00000000000${callSid.slice(-1)}`,
    callSid,
    from: '+1555',
    joinedAt: NOW,
    lastHeardAt: NOW,
    leaving: false,
    callbackAttempts: 0,
    state: 'waiting',
    offeredTo: [],
    tried: [],
    queueSid: 'QU1',
    announced: undefined,
    waitedBefore: 0,
    version: 1,
    ...overrides,
  };
}

describe('presence', () => {
  it('makes a member on a call busy and a member with an open offer ringing, until their marks expire', () => {
    const members = new Set<string>();

    expect(eligibility(member('anna'), members, view({ anna: busy() }))).toBe('busy');
    expect(eligibility(member('anna'), members, view({ anna: ringing() }))).toBe('ringing');
    expect(eligibility(member('anna'), members, view({ anna: busy(NOW - 1) }))).toBe('eligible');
    expect(eligibility(member('anna'), members, view({ anna: ringing('CAother', NOW - 1) }))).toBe('eligible');
  });

  it("does not let a call's own ringing mark block it (a repeated webhook)", () => {
    expect(eligibility(member('anna'), new Set(), view({ anna: ringing('CAthis') }))).toBe('eligible');
  });

  it('skips busy and ringing members in every mode without charging them', () => {
    const members = byId([member('anna'), member('ben'), member('clara')]);
    const marks = view({ anna: busy(), ben: ringing() });
    const rotation: Rotation = { lastOffer: new Map([['clara', 9]]) };

    for (const distribution of ['in-order', 'evenly', 'all-at-once'] as const) {
      const decision = nextOffer(
        group('g', { members: ['anna', 'ben', 'clara'], distribution }),
        members,
        startInGroup('g'),
        distribution === 'evenly' ? rotation : emptyRotation,
        marks,
      );
      expect(decision.kind === 'offer' && decision.plan.members.map((entry) => entry.id)).toEqual(['clara']);
    }
  });

  it('says what a member is doing now', () => {
    expect(activity(busy(), NOW)).toEqual({ kind: 'busy', call: 'CAother', since: NOW - 10 });
    expect(activity(ringing(), NOW)).toEqual({ kind: 'ringing', call: 'CAother', since: NOW - 3 });
    expect(activity(undefined, NOW)).toEqual({ kind: 'idle' });
  });
});

describe('waiting line', () => {
  const members = byId([member('anna'), member('ben'), member('clara')]);
  const support = group('g', { members: ['anna', 'ben', 'clara'], distribution: 'in-order' });
  const assigned = (result: ReturnType<typeof assignWaitingCallers>) =>
    result.map((entry) => `${entry.caller.callSid}:${entry.plan.members.map((m) => m.id).join('+')}`);

  it("offers free members to the longest-waiting callers first, in the group's order", () => {
    const line = [caller('CA2'), caller('CA1'), caller('CA3')];

    expect(assigned(assignWaitingCallers(support, members, line, view({ ben: busy() }), emptyRotation))).toEqual(['CA1:anna', 'CA2:clara']);
  });

  it('gives a caller a member not yet tried in this round, and starts a new round when all free members were tried', () => {
    expect(assigned(assignWaitingCallers(support, members, [caller('CA1', { tried: ['anna'] })], view({}), emptyRotation))).toEqual([
      'CA1:ben',
    ]);
    expect(
      assigned(
        assignWaitingCallers(support, members, [caller('CA1', { tried: ['anna'] })], view({ ben: busy(), clara: busy() }), emptyRotation),
      ),
    ).toEqual(['CA1:anna']);
  });

  it('orders members by rotation for evenly, and offers everyone free for all-at-once', () => {
    const evenly = { ...support, distribution: 'evenly' as const };
    const allAtOnce = { ...support, distribution: 'all-at-once' as const };

    expect(
      assigned(
        assignWaitingCallers(evenly, members, [caller('CA1')], view({}), {
          lastOffer: new Map([
            ['anna', 5],
            ['ben', 7],
          ]),
        }),
      ),
    ).toEqual(['CA1:clara']);
    expect(
      assigned(assignWaitingCallers(allAtOnce, members, [caller('CA1'), caller('CA2')], view({ ben: ringing() }), emptyRotation)),
    ).toEqual(['CA1:anna+clara']);
  });

  it('skips callers already offered or leaving', () => {
    const line = [caller('CA1', { state: 'offered', offeredTo: ['anna'] }), caller('CA2', { state: 'timed-out' }), caller('CA3')];

    expect(assigned(assignWaitingCallers(support, members, line, view({ anna: ringing('CA1') }), emptyRotation))).toEqual(['CA3:ben']);
  });

  it('rings a SIP-only member alone in an all-at-once line offer', () => {
    const withDesk = byId([member('anna'), member('clara', { devices: [sip('sip:clara@x.sip.twilio.com')] })]);

    expect(
      assigned(
        assignWaitingCallers(
          group('g', { members: ['clara', 'anna'], distribution: 'all-at-once' }),
          withDesk,
          [caller('CA1'), caller('CA2')],
          view({}),
          emptyRotation,
        ),
      ),
    ).toEqual(['CA1:clara', 'CA2:anna']);
  });

  it('counts the position among callers still in the line', () => {
    const line = [caller('CA1', { state: 'timed-out' }), caller('CA2', { state: 'offered' }), caller('CA3')];

    expect(positionInLine(line, 'CA3')).toBe(2);
    expect(positionInLine(line, 'CA9')).toBeUndefined();
  });

  it('knows when a caller waited maxWaitSeconds, counting earlier stays', () => {
    const tooLong = (waitedBefore: number, queueTime: number, maxWaitSeconds: number | undefined) => ({
      waitedBefore,
      queueTime,
      maxWaitSeconds,
      tooLong: hasWaitedTooLong(caller('CA1', { waitedBefore }), queueTime, maxWaitSeconds),
    });
    expect([tooLong(100, 19, 120), tooLong(100, 20, 120)]).toEqual([
      { waitedBefore: 100, queueTime: 19, maxWaitSeconds: 120, tooLong: false },
      { waitedBefore: 100, queueTime: 20, maxWaitSeconds: 120, tooLong: true },
    ]);
    // Without maxWaitSeconds the default of 1800 seconds applies: nobody waits forever.
    expect([tooLong(1000, 799, undefined), tooLong(1000, 800, undefined)]).toEqual([
      { waitedBefore: 1000, queueTime: 799, maxWaitSeconds: undefined, tooLong: false },
      { waitedBefore: 1000, queueTime: 800, maxWaitSeconds: undefined, tooLong: true },
    ]);
  });

  it('finds an entry silent for longer than any live caller can be', () => {
    const silentAfter = (seconds: number) => ({
      secondsSinceHeard: seconds,
      silent: isSilent(caller('CA1', { lastHeardAt: NOW - seconds }), NOW),
    });
    expect([silentAfter(LINE_SILENCE_LIMIT_SECONDS), silentAfter(LINE_SILENCE_LIMIT_SECONDS + 1)]).toEqual([
      { secondsSinceHeard: LINE_SILENCE_LIMIT_SECONDS, silent: false },
      { secondsSinceHeard: LINE_SILENCE_LIMIT_SECONDS + 1, silent: true },
    ]);
  });

  it('starts a new round once every member of the group was tried', () => {
    expect(triedAfterOffer(caller('CA1', { tried: ['anna'] }), ['ben'], ['anna', 'ben', 'clara'])).toEqual(['anna', 'ben']);
    expect(triedAfterOffer(caller('CA1', { tried: ['anna', 'ben'] }), ['clara'], ['anna', 'ben', 'clara'])).toEqual([]);
  });
});
