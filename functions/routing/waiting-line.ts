import type { Group, Member } from '../commons/schemas.js';
import { planDial, type DialPlan } from '../twiml/dial-limits.js';
import { rotationOrder, type Rotation } from './distribution.js';
import { eligibleMembers, type Presence } from './eligibility.js';

/**
 * The waiting line (SPEC section 7), decided from state alone: who waits in what order, and which free
 * member is offered which waiting caller.
 */
export type WaitingState =
  /** The <Enqueue> was answered; Twilio has not asked for the hold music yet. */
  | 'joining'
  /** In Twilio's queue, hearing hold music. */
  | 'waiting'
  /** Claimed for an offer to `offeredTo`; on its way out of the queue or ringing. */
  | 'offered'
  /** Waited `maxWaitSeconds`: leaving for voicemail. */
  | 'timed-out';

export type WaitingCaller = {
  group: string;
  /** The entry's sort key: `<place>#<CallSid>`, the line's order. */
  sk: string;
  callSid: string;
  from: string | undefined;
  joinedAt: number;
  state: WaitingState;
  offeredTo: string[];
  /** Members offered this caller in the current round; a round ends when every eligible member was tried. */
  tried: string[];
  queueSid: string | undefined;
  /** The position last announced to the caller. */
  announced: number | undefined;
  /**
   * Seconds waited before the current stay in Twilio's queue (earlier stays and the offers that rang
   * between them). Waiting time is counted from what Twilio reports (QueueTime), not from our clock.
   */
  waitedBefore: number;
  /** The hold music of the number the caller called, looked up once when they joined. */
  holdMusic?: string | undefined;
  version: number;
};

export type LineAssignment = { caller: WaitingCaller; plan: DialPlan };

/** Callers still waiting for a member, longest-waiting first. */
export function waitingCallers(line: readonly WaitingCaller[]): WaitingCaller[] {
  return line.filter((caller) => caller.state === 'joining' || caller.state === 'waiting').sort((a, b) => a.sk.localeCompare(b.sk));
}

/** 1-based place in the line among callers who have not left it. */
export function positionInLine(line: readonly WaitingCaller[], callSid: string): number | undefined {
  const present = line.filter((caller) => caller.state !== 'timed-out').sort((a, b) => a.sk.localeCompare(b.sk));
  const index = present.findIndex((caller) => caller.callSid === callSid);
  return index < 0 ? undefined : index + 1;
}

/** `queueTime`: Twilio's QueueTime for the current stay in the queue. */
export function hasWaitedTooLong(caller: WaitingCaller, queueTime: number, maxWaitSeconds: number | undefined): boolean {
  return maxWaitSeconds !== undefined && caller.waitedBefore + queueTime >= maxWaitSeconds;
}

/**
 * Pair free members with waiting callers: the longest-waiting caller first, members in the group's
 * distribution order (evenly: by rotation). A caller gets a member not yet tried in this round; when
 * every free member was tried, the round starts again (the line loops without ringing one member back
 * to back while others are free). all-at-once offers a caller every free member not yet tried.
 */
export function assignWaitingCallers(
  group: Group,
  membersById: ReadonlyMap<string, Member>,
  line: readonly WaitingCaller[],
  presence: { byMember: ReadonlyMap<string, Presence>; now: number },
  rotation: Rotation,
): LineAssignment[] {
  const order = group.distribution === 'evenly' ? rotationOrder(group, rotation) : group.members;
  let pool = eligibleMembers(order, membersById, [], { ...presence, callSid: '' });
  const assignments: LineAssignment[] = [];
  for (const caller of waitingCallers(line)) {
    if (pool.length === 0) break;
    const fresh = pool.filter((member) => !caller.tried.includes(member.id));
    const candidates = fresh.length > 0 ? fresh : pool;
    const plan = group.distribution === 'all-at-once' ? planDial(candidates) : planDial(candidates.slice(0, 1));
    if (plan.members.length === 0) continue;
    assignments.push({ caller, plan });
    const taken = new Set(plan.members.map((member) => member.id));
    pool = pool.filter((member) => !taken.has(member.id));
  }
  return assignments;
}

/** After an unanswered offer: the members tried this round, starting a new round when all were. */
export function triedAfterOffer(caller: WaitingCaller, offered: readonly string[], groupMembers: readonly string[]): string[] {
  const tried = [...new Set([...caller.tried, ...offered])];
  return groupMembers.every((member) => tried.includes(member)) ? [] : tried;
}
