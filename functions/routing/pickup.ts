import type { Group, Member } from '../commons/schemas.js';
import { activity, type Presence } from './eligibility.js';

/**
 * Calls placed by members (SPEC sections 8 and 9), decided from state alone: who is calling, what the
 * dialled digits mean, and which ringing call a pickup takes.
 */

/** The user part of a SIP URI (`sip:*11@acme.sip.twilio.com;transport=tls` -> `*11`), or the text as is. */
export function dialledDigits(to: string): string {
  const match = /^sips?:([^@;]+)@/.exec(to.trim());
  return (match?.[1] ?? to).trim();
}

/** A SIP URI without scheme, parameters or port, lowercased, to compare devices. */
function sipAddress(uri: string): string | undefined {
  const match = /^sips?:([^@;]+)@([^;:>]+)/i.exec(uri.trim());
  return match === null ? undefined : `${match[1]}@${match[2]}`.toLowerCase();
}

/** The member whose device placed the call: `client:<identity>` or a SIP URI of a `sip` device. */
export function callingMember(from: string, members: readonly Member[]): Member | undefined {
  if (from.startsWith('client:')) {
    const identity = from.slice('client:'.length);
    return members.find((member) => member.devices.some((device) => device.type === 'client' && device.identity === identity));
  }
  const address = sipAddress(from);
  if (address === undefined) return undefined;
  return members.find((member) => member.devices.some((device) => device.type === 'sip' && sipAddress(device.uri) === address));
}

export type Dialled =
  { kind: 'pickup' } | { kind: 'directed-pickup'; extension: string } | { kind: 'extension'; extension: string } | { kind: 'unsupported' };

/** What the dialled digits ask for: the pickup code (+ a member extension), an extension, or nothing we do. */
export function interpretDialled(digits: string, pickupCode: string): Dialled {
  if (digits === pickupCode) return { kind: 'pickup' };
  if (digits.startsWith(pickupCode) && /^[0-9]{1,4}$/.test(digits.slice(pickupCode.length)))
    return { kind: 'directed-pickup', extension: digits.slice(pickupCode.length) };
  if (/^[0-9]{1,4}$/.test(digits)) return { kind: 'extension', extension: digits };
  return { kind: 'unsupported' };
}

/** A call ringing at a member, as the ringing marks show it; `sinceMs` is when its offer started (epoch ms). */
export type RingingCall = { callSid: string; member: string; group: string | undefined; sinceMs: number };

export type PickupPresence = Presence & { ringingGroup?: string | undefined };

/**
 * When the offer ringing at a member started, to the millisecond (SPEC section 8). Marks written
 * before `ringingSinceMs` existed carry only whole seconds: they count from the start of that second.
 */
function offerStartMs(marks: PickupPresence | undefined, sinceSeconds: number | undefined, now: number): number {
  return marks?.ringingSinceMs ?? (sinceSeconds ?? now) * 1000;
}

/** The calls ringing now at the members of these groups, oldest offer first. */
export function ringingCalls(groups: readonly Group[], presence: ReadonlyMap<string, PickupPresence>, now: number): RingingCall[] {
  const calls: RingingCall[] = [];
  const seen = new Set<string>();
  for (const group of groups) {
    for (const member of group.members) {
      const marks = presence.get(member);
      const doing = activity(marks, now);
      if (doing.kind !== 'ringing' || seen.has(`${doing.call}|${member}`)) continue;
      seen.add(`${doing.call}|${member}`);
      calls.push({ callSid: doing.call, member, group: marks?.ringingGroup, sinceMs: offerStartMs(marks, doing.since, now) });
    }
  }
  return calls.sort((a, b) => a.sinceMs - b.sinceMs || a.callSid.localeCompare(b.callSid));
}

/**
 * The calls a picker may take, oldest first (SPEC section 8): a call ringing at a colleague, offered by
 * a group with `pickup` on that the picker belongs to, never the picker's own ringing call. Directed
 * (`target`): only the call ringing at that member, and only when the group that offered it has
 * `pickup` on and has both the picker and the target as members.
 */
export function pickupCandidates(
  picker: string,
  groups: readonly Group[],
  presence: ReadonlyMap<string, PickupPresence>,
  now: number,
  target?: string,
): RingingCall[] {
  const pickupGroups = groups.filter((group) => group.pickup && group.members.includes(picker));
  if (target !== undefined && target === picker) return [];
  const allowed = target === undefined ? pickupGroups : pickupGroups.filter((group) => group.members.includes(target));
  const ids = new Set(allowed.map((group) => group.id));
  return ringingCalls(allowed, presence, now).filter(
    (call) => call.member !== picker && (target === undefined || call.member === target) && call.group !== undefined && ids.has(call.group),
  );
}

/**
 * The conference that bridges a picked-up caller with the picker, named after the caller's call: both
 * parties dial it, whichever arrives first (no personal data in the name, as Twilio asks).
 */
export function pickupConferenceName(callSid: string): string {
  return `pickup-${callSid}`;
}
