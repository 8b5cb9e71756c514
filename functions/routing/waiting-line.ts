import type { Group, Member, WaitForAgent } from '../commons/schemas.js';
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
  /** Waited `maxWaitSeconds`: leaving for `whenMaxWait` (voicemail unless set). */
  | 'timed-out'
  /** Nobody of the group is available any more: leaving for `whenNobodyAvailable` (SPEC 16). */
  | 'nobody-available'
  /** Pressed the menu's voicemail key: leaving to record a message for the group (SPEC 16). */
  | 'to-voicemail'
  /** A callback (SPEC 16): the caller hung up and keeps their place; called back when it is their turn. */
  | 'callback'
  /** A callback being made: the claimed member is rung first, then the caller's number. */
  | 'calling-back';

/** Entries whose caller hung up on purpose: not in Twilio's queue, never silent, kept until called back. */
export const CALLBACK_STATES: readonly WaitingState[] = ['callback', 'calling-back'];

/** States of callers on their way out of the line: they no longer count for positions or offers. */
export const LEAVING_STATES: readonly WaitingState[] = ['timed-out', 'nobody-available', 'to-voicemail'];

export type WaitingCaller = {
  group: string;
  callSid: string;
  /** The caller's place: a per-group counter taken when they first joined, the line's order. */
  place: string;
  from: string | undefined;
  joinedAt: number;
  /** When the caller was last heard from (joined, hold-music request, queue action), epoch seconds. */
  lastHeardAt: number;
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
  /** The caller's hold-music request saw their claim and is leaving the queue by itself (<Leave/>). */
  leaving: boolean;
  /** The hold music of the number the caller called, looked up once when they joined. */
  holdMusic?: string | undefined;
  /** The number the caller called: the caller ID of their callback. */
  calledNumber?: string | undefined;
  /** A callback's number (the caller's own, or one they typed). */
  callbackNumber?: string | undefined;
  /** The callback's attempts so far (the caller's number dialled, not answered). */
  callbackAttempts: number;
  /** A callback is not started before this (epoch seconds): the delay after an attempt. */
  callbackNotBefore?: number | undefined;
  version: number;
};

/** The group's waiting-line settings, when its missed-call action is to wait. */
export function waitForAgentOf(group: Group): WaitForAgent | undefined {
  return group.whenNobodyAnswers.action === 'wait-for-agent' ? group.whenNobodyAnswers : undefined;
}

/** The keys a waiting caller may press (SPEC 16); none unless the group's line sets them. */
export function menuOf(group: Group): { callback: boolean; voicemail: boolean } {
  const menu = waitForAgentOf(group)?.menu;
  return { callback: menu?.callback === true, voicemail: menu?.voicemail === true };
}

/**
 * Nobody of the group could take a call while a caller waits (SPEC 16, `whenNobodyAvailable`): every
 * member is away or has no device. Members talking or wrapping up count as available: they come back.
 */
export function nobodyAvailable(group: Group, membersById: ReadonlyMap<string, Member>): boolean {
  return !group.members.some((id) => {
    const member = membersById.get(id);
    return member !== undefined && member.status === 'available' && member.devices.length > 0;
  });
}

/** The line's order: by place, the CallSid only to break a tie no counter makes. */
function byPlace(a: WaitingCaller, b: WaitingCaller): number {
  return a.place.localeCompare(b.place) || a.callSid.localeCompare(b.callSid);
}

/** Waiting time allowed when the group sets no `maxWaitSeconds` (SPEC section 7). */
export const DEFAULT_MAX_WAIT_SECONDS = 1800;

/**
 * A caller in Twilio's queue is heard from whenever the hold music runs out (the waitUrl is requested
 * again) and at every queue action. An entry silent for longer than this belongs to a call that is
 * gone (a lost status callback): it is removed so it blocks nobody. It bounds the length of a hold
 * music file, which docs/decisions.md and the README state.
 */
export const LINE_SILENCE_LIMIT_SECONDS = 600;

/** The entry has not been heard from for longer than any live caller can be silent. */
export function isSilent(caller: WaitingCaller, now: number): boolean {
  // A callback's caller hung up on purpose: silence is what it is.
  return !CALLBACK_STATES.includes(caller.state) && now - caller.lastHeardAt > LINE_SILENCE_LIMIT_SECONDS;
}

/** A callback whose turn may come now: not during the delay after an attempt. */
export function callbackDue(caller: WaitingCaller, now: number): boolean {
  return caller.state === 'callback' && (caller.callbackNotBefore ?? 0) <= now;
}

export type LineAssignment = { caller: WaitingCaller; plan: DialPlan };

/**
 * Callers still waiting for a member, longest-waiting first: those in Twilio's queue, and callbacks
 * whose turn may come (`callbacksOpen`: the group's schedule is open; a closed group starts none).
 */
export function waitingCallers(line: readonly WaitingCaller[], options: { now?: number; callbacksOpen?: boolean } = {}): WaitingCaller[] {
  const { now, callbacksOpen = false } = options;
  return line
    .filter(
      (caller) =>
        caller.state === 'joining' || caller.state === 'waiting' || (callbacksOpen && now !== undefined && callbackDue(caller, now)),
    )
    .sort(byPlace);
}

/** 1-based place in the line among callers who have not left it. */
export function positionInLine(line: readonly WaitingCaller[], callSid: string): number | undefined {
  const present = line.filter((caller) => !LEAVING_STATES.includes(caller.state)).sort(byPlace);
  const index = present.findIndex((caller) => caller.callSid === callSid);
  return index < 0 ? undefined : index + 1;
}

/** `queueTime`: Twilio's QueueTime for the current stay in the queue. */
export function hasWaitedTooLong(caller: WaitingCaller, queueTime: number, maxWaitSeconds: number | undefined): boolean {
  return caller.waitedBefore + queueTime >= (maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS);
}

/** The members of the group in its distribution order (evenly: by rotation). */
function lineOrder(group: Group, rotation: Rotation): readonly string[] {
  return group.distribution === 'evenly' ? rotationOrder(group, rotation) : group.members;
}

/**
 * The offer for one waiting caller from a pool of free members: members not yet tried in this round
 * (a round ends when every free member was tried); all-at-once offers every such member, the other
 * distributions the first in order.
 */
function planFromPool(group: Group, pool: readonly Member[], caller: WaitingCaller): DialPlan {
  const fresh = pool.filter((member) => !caller.tried.includes(member.id));
  const candidates = fresh.length > 0 ? fresh : pool;
  // A callback rings one member at a time: each ring is a call created through the REST API (paced).
  return group.distribution === 'all-at-once' && caller.state !== 'callback' ? planDial(candidates) : planDial(candidates.slice(0, 1));
}

/** Who a waiting caller is offered to now, on the marks as they are: the claim's decision (store/claims.ts). */
export function planForCaller(
  group: Group,
  membersById: ReadonlyMap<string, Member>,
  caller: WaitingCaller,
  presence: { byMember: ReadonlyMap<string, Presence>; now: number },
  rotation: Rotation,
): DialPlan {
  return planFromPool(
    group,
    eligibleMembers(lineOrder(group, rotation), membersById, [], { ...presence, callSid: caller.callSid }),
    caller,
  );
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
  options: { callbacksOpen?: boolean } = {},
): LineAssignment[] {
  let pool = eligibleMembers(lineOrder(group, rotation), membersById, [], { ...presence, callSid: undefined });
  const assignments: LineAssignment[] = [];
  for (const caller of waitingCallers(line, { now: presence.now, callbacksOpen: options.callbacksOpen ?? false })) {
    if (pool.length === 0) break;
    const plan = planFromPool(group, pool, caller);
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

/**
 * What the <Enqueue> action means for the caller (`QueueResult`, twilio/vocabulary.ts):
 * - `ring-claimed`: left the queue because a member was claimed for them: ring that member;
 * - `max-wait`: waited too long: the line's `whenMaxWait`;
 * - `nobody-available`: nobody of the group is available: the line's `whenNobodyAvailable`;
 * - `voicemail`: asked for voicemail from the menu, or their entry is gone: they can leave a message;
 * - `back-into-line`: left without a reason we know of: back into the line, place kept;
 * - `abandoned`: hung up while waiting;
 * - `moved-on`: the call runs other TwiML (our offer, a bridge): the answer is not used;
 * - `failed`: the queue failed (full, an error, a value Twilio does not document): voicemail.
 */
export type QueueActionStep =
  'ring-claimed' | 'max-wait' | 'nobody-available' | 'voicemail' | 'back-into-line' | 'callback-kept' | 'abandoned' | 'moved-on' | 'failed';

export function afterQueueAction(
  queueResult: string | undefined,
  entry: Pick<WaitingCaller, 'state'> | undefined,
  groupExists: boolean,
): QueueActionStep {
  switch (queueResult) {
    case 'leave':
      if (entry === undefined || !groupExists) return 'voicemail';
      switch (entry.state) {
        case 'offered':
          return 'ring-claimed';
        case 'timed-out':
          return 'max-wait';
        case 'nobody-available':
          return 'nobody-available';
        case 'to-voicemail':
          return 'voicemail';
        default:
          return 'back-into-line';
      }
    case 'hangup':
      // A caller who asked for a callback hangs up on purpose: the entry stays, in its place.
      return entry?.state === 'callback' ? 'callback-kept' : 'abandoned';
    case 'redirected':
    case 'redirected-from-bridged':
    case 'bridged':
    case 'bridging-in-process':
      return 'moved-on';
    default:
      return 'failed';
  }
}
