import type { Member } from '../commons/schemas.js';

/**
 * Why a member can or cannot be offered a call now (SPEC section 4). Busy and ringing marks join this
 * list with the presence work; a member skipped for any of these reasons is not charged an offer.
 */
export type Eligibility = 'eligible' | 'unknown-member' | 'away' | 'no-devices' | 'already-offered';

export function eligibility(member: Member | undefined, offered: ReadonlySet<string>): Eligibility {
  if (member === undefined) return 'unknown-member';
  if (offered.has(member.id)) return 'already-offered';
  if (member.status !== 'available') return 'away';
  if (member.devices.length === 0) return 'no-devices';
  return 'eligible';
}

/** The group's members who may be offered this call, in the group's member order. */
export function eligibleMembers(
  memberOrder: readonly string[],
  membersById: ReadonlyMap<string, Member>,
  offered: readonly string[],
): Member[] {
  const offeredSet = new Set(offered);
  return memberOrder.flatMap((id) => {
    const member = membersById.get(id);
    return member !== undefined && eligibility(member, offeredSet) === 'eligible' ? [member] : [];
  });
}
