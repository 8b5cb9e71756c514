import type { Device, Member } from '../commons/schemas.js';
import {
  DIAL_TIMEOUT_MAX_SECONDS,
  DIAL_TIMEOUT_MIN_SECONDS,
  MAX_CLIENTS_PER_DIAL,
  MAX_NUMBERS_PER_DIAL,
  SECONDS_PER_RING,
} from '../twilio/vocabulary.js';

/** A <Dial>'s timeout for `rings` rings, within what Twilio accepts. */
export function dialTimeoutSeconds(rings: number): number {
  return Math.min(DIAL_TIMEOUT_MAX_SECONDS, Math.max(DIAL_TIMEOUT_MIN_SECONDS, rings * SECONDS_PER_RING));
}

/** One device to ring; `member` is whose device it is (for the leg's status callbacks). */
export type DialNoun = { readonly member?: string } & (
  | { readonly kind: 'client'; readonly identity: string }
  | { readonly kind: 'number'; readonly number: string }
  | { readonly kind: 'sip'; readonly uri: string }
);

export type DialPlan = {
  /** Members this <Dial> rings, in the order given. */
  readonly members: readonly Member[];
  readonly nouns: readonly DialNoun[];
};

function toNoun(device: Device): DialNoun {
  switch (device.type) {
    case 'client':
      return { kind: 'client', identity: device.identity };
    case 'phone':
      return { kind: 'number', number: device.number };
    case 'sip':
      return { kind: 'sip', uri: device.uri };
    default:
      return device satisfies never;
  }
}

/**
 * The nouns that ring one member. A member's client and phone devices ring together; a SIP device
 * cannot share their <Dial>, so it rings only for a member who has nothing else (and then only the
 * first SIP device). A member with more than 10 devices of one kind gets the first 10.
 */
export function memberNouns(member: Member): DialNoun[] {
  const nouns = member.devices.map((device): DialNoun => ({ ...toNoun(device), member: member.id }));
  const others = nouns.filter((noun) => noun.kind !== 'sip');
  if (others.length === 0) return nouns.slice(0, 1);
  const clients = others.filter((noun) => noun.kind === 'client').slice(0, MAX_CLIENTS_PER_DIAL);
  const numbers = others.filter((noun) => noun.kind === 'number').slice(0, MAX_NUMBERS_PER_DIAL);
  return [...clients, ...numbers];
}

function count(nouns: readonly DialNoun[], kind: DialNoun['kind']): number {
  return nouns.filter((noun) => noun.kind === kind).length;
}

/**
 * One <Dial> for as many of `members` (in order) as Twilio lets ring together. The first member always
 * fits; later members join while the noun counts stay in the limits. A member reachable only by SIP
 * rings alone, so all-at-once reaches such members in offers of their own after the others.
 */
export function planDial(members: readonly Member[]): DialPlan {
  const [first, ...rest] = members;
  if (first === undefined) return { members: [], nouns: [] };
  const firstNouns = memberNouns(first);
  if (firstNouns.some((noun) => noun.kind === 'sip')) return { members: [first], nouns: firstNouns };
  const included: Member[] = [first];
  const nouns: DialNoun[] = [...firstNouns];
  for (const member of rest) {
    const extra = memberNouns(member);
    if (extra.length === 0 || extra.some((noun) => noun.kind === 'sip')) continue;
    const candidate = [...nouns, ...extra];
    if (count(candidate, 'client') > MAX_CLIENTS_PER_DIAL || count(candidate, 'number') > MAX_NUMBERS_PER_DIAL) continue;
    included.push(member);
    nouns.push(...extra);
  }
  return { members: included, nouns };
}

/** What the admin API tells an administrator about a group whose devices exceed those limits. */
export function dialLimitWarnings(distribution: string, members: readonly Member[]): string[] {
  const warnings: string[] = [];
  for (const member of members) {
    const sips = member.devices.filter((device) => device.type === 'sip').length;
    const others = member.devices.length - sips;
    if (sips > 0 && others > 0) {
      warnings.push(
        `member ${member.id}: a SIP device cannot ring beside other devices in one Twilio <Dial>, so only the other devices ring`,
      );
    } else if (sips > 1) {
      warnings.push(`member ${member.id}: only the first SIP device rings (one <Sip> per Twilio <Dial>)`);
    }
    if (
      count(member.devices.map(toNoun), 'client') > MAX_CLIENTS_PER_DIAL ||
      count(member.devices.map(toNoun), 'number') > MAX_NUMBERS_PER_DIAL
    ) {
      warnings.push(
        `member ${member.id}: Twilio rings at most ${MAX_CLIENTS_PER_DIAL} client and ${MAX_NUMBERS_PER_DIAL} phone devices at once; the rest do not ring`,
      );
    }
  }
  if (distribution === 'all-at-once') {
    let remaining = members.filter((member) => member.devices.length > 0);
    let offers = 0;
    while (remaining.length > 0) {
      const plan = planDial(remaining);
      const rung = new Set(plan.members.map((member) => member.id));
      remaining = remaining.filter((member) => !rung.has(member.id));
      offers += 1;
    }
    if (offers > 1) {
      warnings.push(
        `all-at-once needs ${offers} offers one after another for this group: Twilio rings at most ${MAX_CLIENTS_PER_DIAL} <Client> and ${MAX_NUMBERS_PER_DIAL} <Number> nouns together and a <Sip> only on its own`,
      );
    }
  }
  return warnings;
}
