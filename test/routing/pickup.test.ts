import { describe, expect, it } from 'vitest';
import { callingMember, dialledDigits, interpretDialled, pickupCandidates, pickupQueueName, type PickupPresence } from '../../functions/routing/pickup.js';
import { client, group, member, sip } from '../support/members.js';

const NOW = 1_800_000_000;
const ringingAt = (call: string, groupId: string, since: number): PickupPresence => ({ ringingCall: call, ringingGroup: groupId, ringingUntil: NOW + 30, ringingSince: since });

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

  it('offers the oldest call ringing in the picker\'s pickup groups, never their own', () => {
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
    expect(pickupCandidates('emil', [support], new Map([['anna', { ...ringingAt('CA1', 'support', NOW - 90), ringingUntil: NOW - 1 }]]), NOW)).toEqual([]);
  });

  it('takes only the named member\'s call with directed pickup, if they share a pickup group', () => {
    const presence = new Map<string, PickupPresence>([
      ['anna', ringingAt('CA1', 'support', NOW - 20)],
      ['ben', ringingAt('CA2', 'support', NOW - 5)],
    ]);

    expect(pickupCandidates('emil', [support], presence, NOW, 'ben').map((call) => call.callSid)).toEqual(['CA2']);
    expect(pickupCandidates('dora', [support, sales], presence, NOW, 'ben')).toEqual([]);
  });

  it('names the bridge queue after the call, inside Twilio\'s 64 characters', () => {
    expect(pickupQueueName(`CA${'a'.repeat(32)}`)).toHaveLength(41);
  });
});
