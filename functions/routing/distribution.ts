import { neverOffered, onlyMember } from './call-context.js';
import type { Group, Member } from '../commons/schemas.js';
import { planDial, type DialPlan } from '../twiml/dial-limits.js';
import type { CallContext } from './call-context.js';
import { eligibleMembers, type PresenceView } from './eligibility.js';

/**
 * The evenly rotation of one group: for each member, the sequence number of the last offer they got.
 * A member missing from it was never offered a call and so counts as offered longest ago.
 */
export type Rotation = {
  readonly lastOffer: ReadonlyMap<string, number>;
};

export const emptyRotation: Rotation = { lastOffer: new Map() };

/** The next step of distribution: ring these members, or nobody eligible is left. */
export type NextOffer = { kind: 'offer'; plan: DialPlan } | { kind: 'nobody-left' };

/**
 * evenly: the eligible member offered longest ago (never offered first); ties keep the group's order.
 */
export function chooseEvenly(candidates: readonly Member[], rotation: Rotation): Member | undefined {
  let best: Member | undefined;
  let bestSeq = Number.POSITIVE_INFINITY;
  for (const member of candidates) {
    const seq = rotation.lastOffer.get(member.id) ?? Number.NEGATIVE_INFINITY;
    if (best === undefined || seq < bestSeq) {
      best = member;
      bestSeq = seq;
    }
  }
  return best;
}

/** The group's members in rotation order for evenly (who is next first), for display and tests. */
export function rotationOrder(group: Group, rotation: Rotation): string[] {
  return group.members
    .map((id, index) => ({ id, index, seq: rotation.lastOffer.get(id) ?? Number.NEGATIVE_INFINITY }))
    .sort((a, b) => a.seq - b.seq || a.index - b.index)
    .map((entry) => entry.id);
}

/**
 * Calls arriving together all choose the same member first (the one offered longest ago, or the first
 * in order): one wins and the others lose the race. A caller that lost a race does not chase the next
 * member with everyone else; it takes the free member its CallSid points at, so a burst of callers
 * spreads over the free members in one round instead of one member per round (SPEC section 13). Only
 * calls that arrived together are affected, and evenly still records the offer, so a member passed
 * over is due first for the next call.
 */
function spreadAfterLostRace(candidates: readonly Member[], callSid: string): Member | undefined {
  let hash = 0;
  for (const char of callSid) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return candidates[hash % candidates.length];
}

/**
 * Who is offered the call next (SPEC section 4). A call to a member extension rings that member once;
 * otherwise the group's distribution picks among the members still eligible for this call.
 */
export function nextOffer(
  group: Group,
  membersById: ReadonlyMap<string, Member>,
  context: CallContext,
  rotation: Rotation = emptyRotation,
  presence?: PresenceView,
  options: { afterLostRace?: boolean } = {},
): NextOffer {
  const member = onlyMember(context);
  const order = member === undefined ? group.members : [member];
  const caller = neverOffered(context);
  const notThisCall = caller === undefined ? context.offered : [...context.offered, caller];
  const candidates = eligibleMembers(order, membersById, notThisCall, presence);
  const first = candidates[0];
  if (first === undefined) return { kind: 'nobody-left' };
  // A member extension rings that one member, whatever the group's distribution.
  const mode = member === undefined ? group.distribution : 'in-order';
  const raced =
    options.afterLostRace === true && presence?.callSid !== undefined ? spreadAfterLostRace(candidates, presence.callSid) : undefined;
  switch (mode) {
    case 'in-order':
      return { kind: 'offer', plan: planDial([raced ?? first]) };
    case 'evenly': {
      const chosen = raced ?? chooseEvenly(candidates, rotation) ?? first;
      return { kind: 'offer', plan: planDial([chosen]) };
    }
    case 'all-at-once':
      return { kind: 'offer', plan: planDial(candidates) };
    default:
      return mode satisfies never;
  }
}
