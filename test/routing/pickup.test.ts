import { describe, expect, it } from 'vitest';
import {
  callingMember,
  dialledDigits,
  interpretDialled,
  pickupCandidates,
  pickupConferenceName,
  type PickupPresence,
} from '../../functions/routing/pickup.js';
import { client, group, member, sip } from '../support/members.js';

const NOW = 1_800_000_000;
const ringingAt = (call: string, groupId: string, since: number): PickupPresence => ({
  ringingCall: call,
  ringingGroup: groupId,
  ringingUntil: NOW + 30,
  ringingSince: since,
});

describe('calls placed by members', () => {
  const members = [member('anna', { devices: [client('anna')] }), member('clara', { devices: [sip('sip:clara@acme.sip.twilio.com')] })];

  it('identifies the member by a client identity or a SIP URI, ignoring parameters and case', () => {
    expect(callingMember('client:anna', members)?.id).toBe('anna');
    expect(callingMember('sip:Clara@ACME.sip.twilio.com;transport=tls', members)?.id).toBe('clara');
    expect(callingMember('client:mallory', members)).toBeUndefined();
    expect(callingMember('+15550001111', members)).toBeUndefined();
  });

  it('reads the dialled digits from a SIP URI or as they are', () => {
    expect(dialledDigits('sip:*11@acme.sip.twilio.com')).toBe('*11');
    expect(dialledDigits('sip:102@acme.sip.twilio.com;user=phone')).toBe('102');
    expect(dialledDigits('*11')).toBe('*11');
  });

  it.each([
    ['*11', { kind: 'pickup' }],
    ['*11102', { kind: 'directed-pickup', extension: '102' }],
    ['102', { kind: 'extension', extension: '102' }],
    ['+4930123456', { kind: 'unsupported' }],
    ['*1', { kind: 'unsupported' }],
  ])('interprets %s', (digits, expected) => {
    expect(interpretDialled(digits, '*11')).toEqual(expected);
  });
});

describe('pickup candidates', () => {
  const support = group('support', { members: ['anna', 'ben', 'emil'], pickup: true });
  const sales = group('sales', { members: ['clara', 'dora', 'emil'], pickup: false });

  it("offers the oldest call ringing in the picker's pickup groups, never their own", () => {
    const presence = new Map<string, PickupPresence>([
      ['anna', ringingAt('CA2', 'support', NOW - 5)],
      ['ben', ringingAt('CA1', 'support', NOW - 9)],
      ['emil', ringingAt('CA3', 'support', NOW - 20)],
    ]);

    expect(pickupCandidates('emil', [support, sales], presence, NOW).map((call) => call.callSid)).toEqual(['CA1', 'CA2']);
  });

  it('offers nothing from a group with pickup off, or to a picker outside the group', () => {
    const presence = new Map<string, PickupPresence>([['clara', ringingAt('CA1', 'sales', NOW - 5)]]);

    expect(pickupCandidates('dora', [support, sales], presence, NOW)).toEqual([]);
    expect(pickupCandidates('clara', [support, sales], new Map([['anna', ringingAt('CA2', 'support', NOW - 5)]]), NOW)).toEqual([]);
  });

  it('ignores expired ringing marks', () => {
    expect(
      pickupCandidates('emil', [support], new Map([['anna', { ...ringingAt('CA1', 'support', NOW - 90), ringingUntil: NOW - 1 }]]), NOW),
    ).toEqual([]);
  });

  it('takes the oldest call to the millisecond, whatever the call ids say', () => {
    // Both offers started within the same second, 300 ms apart; the newer call's id sorts first.
    const presence = new Map<string, PickupPresence>([
      ['anna', { ...ringingAt('CA1', 'support', NOW - 1), ringingSinceMs: (NOW - 1) * 1000 + 700 }],
      ['ben', { ...ringingAt('CA2', 'support', NOW - 1), ringingSinceMs: (NOW - 1) * 1000 + 400 }],
    ]);

    expect(pickupCandidates('emil', [support], presence, NOW).map((call) => call.callSid)).toEqual(['CA2', 'CA1']);
  });

  it('counts a mark without milliseconds from the start of its second', () => {
    const presence = new Map<string, PickupPresence>([
      ['anna', { ...ringingAt('CA1', 'support', NOW - 2), ringingSinceMs: (NOW - 2) * 1000 + 1 }],
      ['ben', ringingAt('CA2', 'support', NOW - 2)],
    ]);

    expect(pickupCandidates('emil', [support], presence, NOW).map((call) => [call.callSid, call.sinceMs])).toEqual([
      ['CA2', (NOW - 2) * 1000],
      ['CA1', (NOW - 2) * 1000 + 1],
    ]);
  });

  it('takes nothing with directed pickup when the call rings from a group with pickup off, even if the target shares a pickup group with the picker', () => {
    const presence = new Map<string, PickupPresence>([['emil', ringingAt('CA1', 'sales', NOW - 5)]]);

    // anna and emil share support (pickup on); emil's call was offered by sales (pickup off).
    expect(pickupCandidates('anna', [support, sales], presence, NOW, 'emil')).toEqual([]);
    // The same call ringing from support may be taken.
    expect(
      pickupCandidates('anna', [support, sales], new Map([['emil', ringingAt('CA1', 'support', NOW - 5)]]), NOW, 'emil').map(
        (call) => call.callSid,
      ),
    ).toEqual(['CA1']);
  });

  it('takes nothing with directed pickup from a pickup group the picker is not in', () => {
    const desk = group('desk', { members: ['clara', 'emil'], pickup: true });

    // anna shares support with emil, but emil's call comes from desk, which anna is not in.
    expect(pickupCandidates('anna', [support, desk], new Map([['emil', ringingAt('CA1', 'desk', NOW - 5)]]), NOW, 'emil')).toEqual([]);
  });

  it("never takes the picker's own ringing call, directed or not", () => {
    const presence = new Map<string, PickupPresence>([['emil', ringingAt('CA1', 'support', NOW - 5)]]);

    expect(pickupCandidates('emil', [support], presence, NOW)).toEqual([]);
    expect(pickupCandidates('emil', [support], presence, NOW, 'emil')).toEqual([]);
  });

  it("takes only the named member's call with directed pickup, if they share a pickup group", () => {
    const presence = new Map<string, PickupPresence>([
      ['anna', ringingAt('CA1', 'support', NOW - 20)],
      ['ben', ringingAt('CA2', 'support', NOW - 5)],
    ]);

    expect(pickupCandidates('emil', [support], presence, NOW, 'ben').map((call) => call.callSid)).toEqual(['CA2']);
    expect(pickupCandidates('dora', [support, sales], presence, NOW, 'ben')).toEqual([]);
  });

  it('names the bridge conference after the call, without personal data', () => {
    expect(pickupConferenceName(`CA${'a'.repeat(32)}`)).toBe(`pickup-CA${'a'.repeat(32)}`);
  });
});
