import type { Device, Group, Member } from '../../functions/commons/schemas.js';

/** Plain domain values for the pure routing and TwiML tests. */
export function member(id: string, overrides: Partial<Member> = {}): Member {
  return { id, name: id, status: 'available', devices: [{ type: 'client', identity: id }], ...overrides };
}

export function client(identity: string): Device {
  return { type: 'client', identity };
}
export function phone(number: string): Device {
  return { type: 'phone', number };
}
export function sip(uri: string): Device {
  return { type: 'sip', uri };
}

export function group(id: string, overrides: Partial<Group> = {}): Group {
  return {
    id,
    name: id,
    members: [],
    distribution: 'in-order',
    rings: 3,
    pickup: false,
    wrapUpSeconds: 0,
    serviceLevelSeconds: 20,
    shortAbandonSeconds: 5,
    confirm: 'phones',
    whisper: 'off',
    whenNobodyAnswers: { action: 'voicemail' },
    ...overrides,
  };
}

export function byId(members: readonly Member[]): Map<string, Member> {
  return new Map(members.map((entry) => [entry.id, entry]));
}
