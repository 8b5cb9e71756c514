import type { Member } from '../commons/schemas.js';

/** A member's ringing and busy marks (SPEC section 5); times are epoch seconds. */
export type Presence = {
  ringingCall?: string | undefined;
  ringingUntil?: number | undefined;
  ringingSince?: number | undefined;
  /** When the offer started, in epoch milliseconds: pickup takes the oldest ringing call to the millisecond. */
  ringingSinceMs?: number | undefined;
  busyCall?: string | undefined;
  busyLeg?: string | undefined;
  busyUntil?: number | undefined;
  busySince?: number | undefined;
  /** Seconds of wrap-up the busy call's group asked for, started when the busy mark ends. */
  busyWrapUp?: number | undefined;
  /** After a call of a group with `wrapUpSeconds` the member is not offered calls before this (SPEC 15). */
  wrapUpUntil?: number | undefined;
};

/**
 * The marks of the members, as of `now`, seen by call `callSid` (its own ringing mark does not block
 * it); without `callSid` (pairing free members with waiting callers) every ringing mark blocks.
 */
export type PresenceView = {
  readonly byMember: ReadonlyMap<string, Presence>;
  readonly now: number;
  readonly callSid?: string | undefined;
};

/**
 * Why a member can or cannot be offered a call now (SPEC section 4). A member skipped for any of
 * these reasons is not charged an offer.
 */
export type Eligibility = 'eligible' | 'unknown-member' | 'away' | 'no-devices' | 'already-offered' | 'busy' | 'ringing' | 'wrap-up';

/** What the member is doing now, by the marks alone: expired marks count for nothing. */
export function activity(
  presence: Presence | undefined,
  now: number,
):
  | { kind: 'busy'; call: string; since: number | undefined }
  | { kind: 'ringing'; call: string; since: number | undefined }
  | { kind: 'wrap-up'; until: number }
  | { kind: 'idle' } {
  if (presence?.busyCall !== undefined && (presence.busyUntil ?? 0) >= now)
    return { kind: 'busy', call: presence.busyCall, since: presence.busySince };
  if (presence?.ringingCall !== undefined && (presence.ringingUntil ?? 0) >= now)
    return { kind: 'ringing', call: presence.ringingCall, since: presence.ringingSince };
  // Wrap-up lasts exactly its length: from the call's end up to, not including, `wrapUpUntil`.
  if (presence?.wrapUpUntil !== undefined && presence.wrapUpUntil > now) return { kind: 'wrap-up', until: presence.wrapUpUntil };
  return { kind: 'idle' };
}

export function eligibility(member: Member | undefined, offered: ReadonlySet<string>, presence?: PresenceView): Eligibility {
  if (member === undefined) return 'unknown-member';
  if (offered.has(member.id)) return 'already-offered';
  if (member.status !== 'available') return 'away';
  if (member.devices.length === 0) return 'no-devices';
  if (presence !== undefined) {
    const now = activity(presence.byMember.get(member.id), presence.now);
    if (now.kind === 'busy') return 'busy';
    if (now.kind === 'ringing' && now.call !== presence.callSid) return 'ringing';
    if (now.kind === 'wrap-up') return 'wrap-up';
  }
  return 'eligible';
}

/** The group's members who may be offered this call, in the group's member order. */
export function eligibleMembers(
  memberOrder: readonly string[],
  membersById: ReadonlyMap<string, Member>,
  offered: readonly string[],
  presence?: PresenceView,
): Member[] {
  const offeredSet = new Set(offered);
  return memberOrder.flatMap((id) => {
    const member = membersById.get(id);
    return member !== undefined && eligibility(member, offeredSet, presence) === 'eligible' ? [member] : [];
  });
}
