import type { Group, Member } from '../commons/schemas.js';
import { startInGroup, type CallContext } from './call-context.js';
import type { Dialled } from './pickup.js';

/** Who owns an extension: a member or a group. */
export type ExtensionHolder = { readonly kind: 'user' | 'group'; readonly id: string };

/**
 * Where a call placed by a member goes (SPEC section 9), decided from state alone:
 * - a group extension: distributed as an outside call, never offered to the caller;
 * - a member extension: that member, with the rings of the first group (by id) they belong to, then
 *   their voicemail; a member in no group: their voicemail at once;
 * - refused: a device of no member, the caller's own extension, an extension nobody holds, digits we
 *   do not support. Pickups are decided by pickupCandidates (pickup.ts).
 */
export type OwnCallStep =
  | { kind: 'distribute'; context: CallContext }
  | { kind: 'voicemail'; member: string }
  | { kind: 'refuse'; why: 'unknown-caller' | 'not-supported' | 'unknown-extension' | 'nothing-to-pick-up' };

export type OwnCall = {
  readonly caller: Member | undefined;
  readonly dialled: Dialled;
  readonly holder: (extension: string) => ExtensionHolder | undefined;
  readonly groups: readonly Group[];
  /** The company's numbers: one of them is the caller ID when a member's call rings a phone. */
  readonly numbers: readonly string[];
};

/** Members' own calls need one of our numbers as caller ID when they ring a phone: the first by E.164 order. */
export function companyCallerId(numbers: readonly string[]): string | undefined {
  return [...numbers].sort()[0];
}

/** The first group (by id) a member belongs to: its rings apply to internal calls to that member. */
export function firstGroupOf(member: string, groups: readonly Group[]): Group | undefined {
  return [...groups].sort((a, b) => a.id.localeCompare(b.id)).find((group) => group.members.includes(member));
}

export function ownCallStep(call: OwnCall): OwnCallStep {
  const { caller, dialled } = call;
  if (caller === undefined) return { kind: 'refuse', why: 'unknown-caller' };
  if (dialled.kind === 'unsupported') return { kind: 'refuse', why: 'not-supported' };
  if (dialled.kind !== 'extension') return { kind: 'refuse', why: 'nothing-to-pick-up' };
  const owner = call.holder(dialled.extension);
  if (owner === undefined) return { kind: 'refuse', why: 'unknown-extension' };
  const callerId = companyCallerId(call.numbers);
  if (owner.kind === 'group')
    return { kind: 'distribute', context: startInGroup(owner.id, [], { kind: 'internal-to-group', caller: caller.id, callerId }) };
  if (owner.id === caller.id) return { kind: 'refuse', why: 'not-supported' };
  const group = firstGroupOf(owner.id, call.groups);
  if (group === undefined) return { kind: 'voicemail', member: owner.id };
  return { kind: 'distribute', context: startInGroup(group.id, [], { kind: 'internal-to-member', member: owner.id, callerId }) };
}
