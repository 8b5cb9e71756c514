import { describe, expect, it } from 'vitest';
import { contextFromQuery, contextToQuery, startInGroup, withOffered } from '../../functions/routing/call-context.js';
import { chooseEvenly, nextOffer, rotationOrder, type Rotation } from '../../functions/routing/distribution.js';
import { eligibility, eligibleMembers } from '../../functions/routing/eligibility.js';
import { byId, client, group, member, phone, sip } from '../support/members.js';

const rotation = (entries: Record<string, number>): Rotation => ({ lastOffer: new Map(Object.entries(entries)) });
const offeredIds = (decision: ReturnType<typeof nextOffer>): string[] =>
  decision.kind === 'offer' ? decision.plan.members.map((entry) => entry.id) : [];

describe('eligibility', () => {
  it.each([
    ['an available member with a device', member('anna'), [], 'eligible'],
    ['a member who set themselves away', member('anna', { status: 'away' }), [], 'away'],
    ['a member without devices', member('anna', { devices: [] }), [], 'no-devices'],
    ['a member already offered this call', member('anna'), ['anna'], 'already-offered'],
    ['a member id that does not exist', undefined, [], 'unknown-member'],
  ] as const)('says %s is %s', (_what, candidate, offered, expected) => {
    expect(eligibility(candidate, new Set(offered))).toBe(expected);
  });

  it('keeps the group order and drops ineligible members', () => {
    const members = byId([member('a'), member('b', { status: 'away' }), member('c'), member('d', { devices: [] })]);

    expect(eligibleMembers(['d', 'c', 'b', 'a', 'ghost'], members, ['a']).map((entry) => entry.id)).toEqual(['c']);
  });
});

describe('nextOffer', () => {
  const members = byId([member('anna'), member('ben'), member('clara'), member('dora', { status: 'away' })]);

  it('in-order offers the first eligible member not yet offered', () => {
    const support = group('support', { members: ['dora', 'anna', 'ben', 'clara'] });

    expect(offeredIds(nextOffer(support, members, startInGroup('support')))).toEqual(['anna']);
    expect(offeredIds(nextOffer(support, members, withOffered(startInGroup('support'), ['anna'])))).toEqual(['ben']);
    expect(nextOffer(support, members, withOffered(startInGroup('support'), ['anna', 'ben', 'clara']))).toEqual({ kind: 'nobody-left' });
  });

  it('evenly offers the member offered longest ago, never-offered first, ties in group order', () => {
    const support = group('support', { members: ['anna', 'ben', 'clara'], distribution: 'evenly' });

    expect(offeredIds(nextOffer(support, members, startInGroup('support'), rotation({})))).toEqual(['anna']);
    expect(offeredIds(nextOffer(support, members, startInGroup('support'), rotation({ anna: 3, ben: 1 })))).toEqual(['clara']);
    expect(offeredIds(nextOffer(support, members, startInGroup('support'), rotation({ anna: 3, ben: 1, clara: 2 })))).toEqual(['ben']);
    expect(
      offeredIds(nextOffer(support, members, withOffered(startInGroup('support'), ['ben']), rotation({ anna: 3, ben: 1, clara: 2 }))),
    ).toEqual(['clara']);
  });

  it('evenly does not charge a skipped member: an away member keeps their place', () => {
    expect(chooseEvenly([member('ben'), member('clara')], rotation({ dora: 0, ben: 5, clara: 4 }))?.id).toBe('clara');
    expect(rotationOrder(group('g', { members: ['anna', 'ben', 'clara'] }), rotation({ anna: 9, clara: 2 }))).toEqual([
      'ben',
      'clara',
      'anna',
    ]);
  });

  it('all-at-once offers every eligible member together', () => {
    const everyone = group('everyone', { members: ['anna', 'dora', 'ben', 'clara'], distribution: 'all-at-once' });

    const decision = nextOffer(everyone, members, startInGroup('everyone'));

    expect(offeredIds(decision)).toEqual(['anna', 'ben', 'clara']);
    expect(decision.kind === 'offer' && decision.plan.nouns).toEqual([
      { kind: 'client', identity: 'anna', member: 'anna' },
      { kind: 'client', identity: 'ben', member: 'ben' },
      { kind: 'client', identity: 'clara', member: 'clara' },
    ]);
  });

  it('rings only the dialled member for a member extension, whatever the distribution', () => {
    const everyone = group('everyone', { members: ['anna', 'ben'], distribution: 'all-at-once' });
    const context = startInGroup('everyone', [], { kind: 'member-extension', member: 'clara' });

    expect(offeredIds(nextOffer(everyone, members, context))).toEqual(['clara']);
    expect(nextOffer(everyone, members, withOffered(context, ['clara']))).toEqual({ kind: 'nobody-left' });
  });

  it('gives a member all their devices in one offer where Twilio allows it', () => {
    const multi = byId([member('ben', { devices: [client('ben'), phone('+491709999999'), client('ben-mobile')] })]);

    const decision = nextOffer(group('g', { members: ['ben'] }), multi, startInGroup('g'));

    expect(decision.kind === 'offer' && decision.plan.nouns).toEqual([
      { kind: 'client', identity: 'ben', member: 'ben' },
      { kind: 'client', identity: 'ben-mobile', member: 'ben' },
      { kind: 'number', number: '+491709999999', member: 'ben' },
    ]);
  });

  it('rings a SIP-only member with their SIP device alone', () => {
    const desk = byId([member('clara', { devices: [sip('sip:clara@acme.sip.twilio.com'), sip('sip:clara2@acme.sip.twilio.com')] })]);

    const decision = nextOffer(group('g', { members: ['clara'] }), desk, startInGroup('g'));

    expect(decision.kind === 'offer' && decision.plan.nouns).toEqual([
      { kind: 'sip', uri: 'sip:clara@acme.sip.twilio.com', member: 'clara' },
    ]);
  });
});

describe('call context', () => {
  it('travels through a query string unchanged', () => {
    const context = withOffered(startInGroup('support', ['front'], { kind: 'member-extension', member: 'ben' }), ['anna', 'ben']);

    const query = Object.fromEntries(new URLSearchParams(new URLSearchParams(contextToQuery(context)).toString()));

    expect(contextFromQuery(query)).toEqual({ ok: true, context });
  });

  it('refuses a query that does not name a group or names invalid ids', () => {
    expect(contextFromQuery({})).toEqual({ ok: false, problem: 'query parameter g (group) is missing or not an id' });
    expect(contextFromQuery({ g: 'support', o: 'anna,Ben' })).toEqual({ ok: false, problem: 'query parameter holds an invalid id: Ben' });
  });
});
