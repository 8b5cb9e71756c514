import { logger } from '../commons/logger.js';
import { countOffers } from '../commons/metrics.js';
import type { Group, Member } from '../commons/schemas.js';
import { assignWaitingCallers, isSilent, planForCaller, type LineAssignment, type WaitingCaller } from '../routing/waiting-line.js';
import { claimMembers, claimStateFrom, claimStateKeys, type ClaimState } from '../store/claims.js';
import { offerEvent } from '../routing/ledger.js';
import { readWithConfiguration, type Configuration } from '../store/configuration.js';
import type { StoredItem } from '../store/items.js';
import type { Key } from '../store/keys.js';
import { changeEntry, getEntry, readLineHead, removeStaleEntry } from '../store/line-store.js';
import { clearRinging, type BusyEnded } from '../store/presence-store.js';
import { TwilioApiError, type TwilioApi } from '../twilio-api/client.js';
import { callbackQuery, lineQuery } from '../twiml/queries.js';
import { dialTimeoutSeconds, planDial, type DialNoun } from '../twiml/dial-limits.js';
import { groupOpen, groupOpensAt } from '../routing/schedule.js';
import { takeCallSlot } from '../store/rest-pace.js';
import { voiceUrl } from '../twiml/urls.js';
import { sendWakeUp, type WakeUp } from '../wake-ups/queue.js';
import { ringingUntil } from './ringing.js';

/**
 * Serving the waiting lines (SPEC section 7): whenever a member is free, the longest-waiting caller
 * is offered to them at once, through Twilio's REST API (dequeue, or a redirect before the caller
 * reached the queue); the waitUrl's polling is only the safety net. Used by the voice webhooks and by
 * the admin function (a member back from away), so it carries no TwiML.
 */

export type Dispatcher = {
  twilio: TwilioApi;
  /** Absolute URL of the voice routes, ending in `/voice/`, for the REST redirects. */
  voiceBase: string;
  now: number;
};

/**
 * Twilio answers 404 for a call or queue member it does not have (error 20404), and 400 with error
 * 21220 for a call that is no longer in progress: the caller is gone, whatever our line says.
 * https://www.twilio.com/docs/api/errors/20404 · https://www.twilio.com/docs/api/errors/21220
 */
function callerIsGone(error: unknown): boolean {
  return error instanceof TwilioApiError && (error.status === 404 || error.code === 20404 || error.code === 21220);
}

/** Remove an entry whose caller is gone, and free the members it held. */
async function removeGone(entry: WaitingCaller, why: string): Promise<string[]> {
  if (!(await removeStaleEntry(entry))) return [];
  logger.warn('removed a waiting caller who is gone', { waitingCall: entry.callSid, group: entry.group, why });
  const freed = await Promise.all(
    entry.offeredTo.map(async (member) => ((await clearRinging(member, entry.callSid)) ? member : undefined)),
  );
  return freed.filter((member): member is string => member !== undefined);
}

/** The caller's own hold-music request saw the claim and left the queue with <Leave/>. */
async function leavingByItself(caller: WaitingCaller): Promise<boolean> {
  return (await getEntry(caller.group, caller.place))?.leaving === true;
}

/**
 * Undo a claim whose caller could not be moved (Twilio could not be reached): back to waiting. One
 * round trip: the entry is changed at the version the claim wrote; had the caller's own request
 * changed it since, it has seen the claim and will leave by itself.
 */
async function release(assignment: { caller: WaitingCaller; members: readonly string[] }): Promise<void> {
  await Promise.all([
    ...assignment.members.map((id) => clearRinging(id, assignment.caller.callSid)),
    changeEntry(assignment.caller, { state: 'waiting', offeredTo: [] }),
  ]);
}

/**
 * The end of an offer's ringing for `callSid` at `members`, written on its own (not with a claim),
 * and the freed members offered to waiting callers.
 */
export async function endRinging(callSid: string, members: readonly string[], dispatcher: Dispatcher): Promise<void> {
  if (members.length === 0) return;
  const cleared = await Promise.all(members.map(async (member) => ((await clearRinging(member, callSid)) ? member : undefined)));
  await dispatchForMembers(
    cleared.filter((member): member is string => member !== undefined),
    dispatcher,
  );
}

/** Move a claimed caller to their offer: out of Twilio's queue, or off whatever they run. */
async function moveToOffer(
  group: Group,
  caller: WaitingCaller,
  members: readonly string[],
  dispatcher: Dispatcher,
): Promise<'moved' | 'gone' | 'failed'> {
  const url = new URL(voiceUrl('line-offer', lineQuery.encode({ group: group.id, place: caller.place })), dispatcher.voiceBase).toString();
  try {
    if (caller.queueSid !== undefined) await dispatcher.twilio.dequeueMember(caller.queueSid, caller.callSid, url);
    else await dispatcher.twilio.redirectCall(caller.callSid, url);
    return 'moved';
  } catch (error) {
    if (callerIsGone(error)) return 'gone';
    // Twilio could not be reached: the line's polling retries.
    logger.warn('could not move a waiting caller to an offer', {
      waitingCall: caller.callSid,
      group: group.id,
      members,
      error: error instanceof Error ? error.message : String(error),
    });
    return 'failed';
  }
}

/** A line as read for a dispatch: the configuration, the group's marks and rotation, the head of its line. */
export type LineView = {
  readonly configuration: Configuration;
  readonly items: readonly StoredItem[];
  readonly head: readonly WaitingCaller[];
};

/** The keys a dispatch in `group` reads besides the line's head: the members' marks and the rotation. */
export function lineStateKeys(configuration: Configuration | undefined, groupId: string): Key[] {
  const group = configuration?.groups.get(groupId);
  return group === undefined ? [] : claimStateKeys(group.members);
}

/** Read what a dispatch in a group decides on: the marks and the line's head in one round trip. */
async function readLine(groupId: string): Promise<LineView> {
  const read = await readWithConfiguration(
    (configuration) => lineStateKeys(configuration, groupId),
    (configuration) => {
      const group = configuration.groups.get(groupId);
      return group === undefined ? undefined : readLineHead(group);
    },
  );
  return { configuration: read.configuration, items: read.items, head: read.alongside ?? [] };
}

/**
 * Offer free members to the longest-waiting callers of a group. Entries silent for too long are
 * removed first. A caller still joining (its hold music not yet asked for) keeps its member reserved:
 * its own waitUrl request will take them. `self` is the caller whose webhook runs this; true when that
 * caller was claimed (it leaves the line itself with <Leave/>); the others are moved at once. `view`
 * is what the webhook already read (saves the read).
 */
export async function dispatchLine(
  groupId: string,
  dispatcher: Dispatcher,
  options: { self?: string | undefined; view?: LineView | undefined; rounds?: number; takeOverFrom?: string | undefined } = {},
): Promise<{ selfClaimed: boolean }> {
  const { self, takeOverFrom } = options;
  const rounds = options.rounds ?? 3;
  const view = options.view ?? (await readLine(groupId));
  const group = view.configuration.groups.get(groupId);
  const silent = view.head.filter((caller) => caller.callSid !== self && isSilent(caller, dispatcher.now));
  await Promise.all(
    silent.map((caller) => removeGone(caller, `not heard from since ${new Date(caller.lastHeardAt * 1000).toISOString()}`)),
  );
  const line = view.head.filter((caller) => !silent.includes(caller));
  if (group === undefined || group.whenNobodyAnswers.action !== 'wait-for-agent') return { selfClaimed: false };
  const read = claimStateFrom(view.items, group.id);
  // Marks of an offer ending beside this dispatch count as free: the claims take over from it.
  const state =
    takeOverFrom === undefined
      ? read
      : {
          ...read,
          presence: new Map(
            [...read.presence].map(([member, marks]) => [
              member,
              marks.ringingCall === takeOverFrom ? { ...marks, ringingCall: undefined, ringingUntil: undefined } : marks,
            ]),
          ),
        };
  // Callbacks start only while the group is open (SPEC 16); a closed group's wait for the opening.
  const callbacksOpen = groupOpen(group, view.configuration.schedules, dispatcher.now * 1000);
  if (!callbacksOpen && line.some((caller) => caller.state === 'callback')) await wakeAtOpening(group, view.configuration, dispatcher);
  const assignments = assignWaitingCallers(
    group,
    view.configuration.members,
    line,
    { byMember: state.presence, now: dispatcher.now },
    state.rotation,
    { callbacksOpen },
  );
  // Each assignment claims different members for a different caller: side by side, one round trip,
  // on the marks already read.
  const outcomes = await Promise.all(
    assignments.map((assignment) =>
      offerWaitingCaller(group, assignment, view.configuration.members, dispatcher, { self, known: state, takeOverFrom }),
    ),
  );
  const selfClaimed = outcomes.includes('self');
  // A caller found gone freed its members: serve the next caller with them.
  if (outcomes.includes('gone') && rounds > 1) {
    return { selfClaimed: selfClaimed || (await dispatchLine(groupId, dispatcher, { self, rounds: rounds - 1 })).selfClaimed };
  }
  return { selfClaimed };
}

async function offerWaitingCaller(
  group: Group,
  assignment: LineAssignment,
  members: Parameters<typeof planForCaller>[1],
  dispatcher: Dispatcher,
  options: { self: string | undefined; known: ClaimState; takeOverFrom: string | undefined },
): Promise<'self' | 'moved' | 'gone' | 'skipped'> {
  const { caller } = assignment;
  const { self } = options;
  if (caller.state === 'joining' && caller.callSid !== self) return 'skipped';
  const claim = await claimMembers(
    {
      callSid: caller.callSid,
      group: group.id,
      now: dispatcher.now,
      ringingUntil: ringingUntil(group, dispatcher.now),
      members: group.members,
      lineEntry: caller,
      // Moving a caller by REST interrupts what they run; their own webhook (self) leaves by itself.
      redirect: caller.callSid !== self,
      // First the pairing the dispatch made (members shared out among the callers); after a lost race,
      // the routing core's choice on the marks as they are then.
      decide: (current) =>
        (current.afterLostRace === true
          ? planForCaller(group, members, caller, { byMember: current.presence, now: dispatcher.now }, current.rotation)
          : assignment.plan
        ).members.map((member) => member.id),
      takeOverFrom: options.takeOverFrom,
      // The ledger (SPEC 17): the waiting caller's offer, in the claim's transaction, keyed by the
      // entry's version the claim changes.
      offerEvent: {
        index: `line#${caller.version}`,
        describe: (state, chosen) =>
          offerEvent({
            group: group.id,
            at: dispatcher.now * 1000,
            order: group.members,
            distribution: 'line',
            offered: [],
            chosen,
            state: { members, presence: { byMember: state.presence, now: dispatcher.now }, rotation: state.rotation },
          }),
      },
    },
    options.known,
  );
  if (claim.kind !== 'claimed') return 'skipped';
  logger.info('waiting caller offered', {
    waitingCall: caller.callSid,
    group: group.id,
    members: claim.members,
    failedConditions: claim.failedConditions,
  });
  if (!claim.repeated) countOffers(claim.members.length);
  if (caller.state === 'callback')
    return startCallback(
      group,
      caller,
      claim.members.flatMap((id) => members.get(id) ?? []),
      dispatcher,
    );
  if (caller.callSid === self) return 'self';
  const moved = await moveToOffer(group, caller, claim.members, dispatcher);
  if (moved === 'moved') return 'moved';
  const claimed = { ...caller, state: 'offered' as const, offeredTo: [...claim.members], version: caller.version + 1 };
  if (moved === 'gone' && caller.queueSid !== undefined && (await leavingByItself(caller))) {
    // Not in the queue because the caller's own hold-music request saw the claim and left with
    // <Leave/>: the queue action rings the claimed members.
    return 'moved';
  }
  if (moved === 'gone') {
    await removeGone(claimed, 'Twilio does not have the call in the queue');
    return 'gone';
  }
  await release({ caller: claimed, members: claim.members });
  return 'skipped';
}

/**
 * Members became eligible (a call ended, an offer went unanswered, back from away): serve the lines
 * they are in. Only groups with a waiting line are read; a configuration without one costs nothing.
 */
export async function dispatchForMembers(memberIds: readonly string[], dispatcher: Dispatcher): Promise<void> {
  if (memberIds.length === 0) return;
  const { configuration } = await readWithConfiguration(() => []);
  const freed = new Set(memberIds);
  const groups = [...configuration.groups.values()].filter(
    (group) => group.whenNobodyAnswers.action === 'wait-for-agent' && group.members.some((member) => freed.has(member)),
  );
  await Promise.all(groups.map((group) => dispatchLine(group.id, dispatcher)));
}

/**
 * Members whose call ended: those free now are offered to waiting callers at once; those in wrap-up
 * (SPEC 15) get a wake-up at its end, when they are offered the longest-waiting caller at once.
 */
export async function afterCallsEnded(ended: readonly BusyEnded[], dispatcher: Dispatcher): Promise<void> {
  const free = ended.filter((end) => end.wrapUpUntil <= dispatcher.now).map((end) => end.member);
  const wrappingUp = new Map<number, string[]>();
  for (const end of ended)
    if (end.wrapUpUntil > dispatcher.now) wrappingUp.set(end.wrapUpUntil, [...(wrappingUp.get(end.wrapUpUntil) ?? []), end.member]);
  await Promise.all([
    dispatchForMembers(free, dispatcher),
    ...[...wrappingUp].map(([at, members]) => sendWakeUp({ members, at }, deliveredWith(dispatcher))),
  ]);
}

/**
 * A wrap-up ended: its members are offered the longest-waiting callers of their groups. `now` is at
 * least the wake-up's second, so a delivery early by a fraction still finds the wrap-up over.
 */
export async function wakeUpMembers(wakeUp: WakeUp, dispatcher: Dispatcher): Promise<void> {
  const at = { ...dispatcher, now: Math.max(dispatcher.now, wakeUp.at) };
  await Promise.all([dispatchForMembers(wakeUp.members, at), ...(wakeUp.groups ?? []).map((group) => dispatchLine(group, at))]);
}

/** How this process delivers a wake-up it sent (locally): with the sender's REST client, at the time of delivery. */
function deliveredWith(dispatcher: Dispatcher): (wakeUp: WakeUp) => Promise<void> {
  return (wakeUp) => wakeUpMembers(wakeUp, { ...dispatcher, now: Math.floor(Date.now() / 1000) });
}

/** Serve a group's line at `at` (epoch seconds), by a wake-up: nothing polls. */
export function wakeLineAt(group: string, at: number, dispatcher: Dispatcher): Promise<void> {
  return sendWakeUp({ members: [], groups: [group], at }, deliveredWith(dispatcher));
}

/** SQS holds a wake-up at most 15 minutes: a later opening is reached by a chain of them. */
const LONGEST_WAKE_UP_SECONDS = 900;

/** A closed group with callbacks waiting: woken at its opening (or in 15 minutes, to look again). */
async function wakeAtOpening(group: Group, configuration: Configuration, dispatcher: Dispatcher): Promise<void> {
  const opensAtMs = groupOpensAt(group, configuration.schedules, dispatcher.now * 1000);
  const at = Math.min(
    dispatcher.now + LONGEST_WAKE_UP_SECONDS,
    opensAtMs === undefined ? Number.POSITIVE_INFINITY : Math.ceil(opensAtMs / 1000),
  );
  await wakeLineAt(group.id, at, dispatcher);
}

/** Twilio addresses a member's device as a call's `To`: `client:<identity>`, a SIP URI, or a number. */
function deviceAddress(noun: DialNoun): string {
  switch (noun.kind) {
    case 'client':
      return `client:${noun.identity}`;
    case 'sip':
      return noun.uri;
    case 'number':
      return noun.number;
    default:
      return noun satisfies never;
  }
}

/** A callback that could not start goes back to its place, its member free again. */
async function releaseCallback(caller: WaitingCaller, members: readonly Member[] | readonly string[]): Promise<void> {
  const ids = members.map((member) => (typeof member === 'string' ? member : member.id));
  const claimed = { ...caller, state: 'calling-back' as const, offeredTo: ids, version: caller.version + 1 };
  await Promise.all([...ids.map((id) => clearRinging(id, caller.callSid)), changeEntry(claimed, { state: 'callback', offeredTo: [] })]);
}

/**
 * Start a callback (SPEC 16): the claimed member's first device is rung by a call created through the
 * REST API, in a second of its own (store/rest-pace.ts); when they answer, /voice/callback-member
 * dials the caller's number. When this second is taken, the claim goes back and a wake-up comes at
 * the next free one. A call that cannot be created: back to its place.
 */
async function startCallback(
  group: Group,
  caller: WaitingCaller,
  members: readonly Member[],
  dispatcher: Dispatcher,
): Promise<'moved' | 'skipped'> {
  const [member] = members;
  const noun = member === undefined ? undefined : planDial([member]).nouns[0];
  if (noun === undefined || member === undefined || caller.calledNumber === undefined || caller.callbackNumber === undefined) {
    logger.warn('a callback could not start: no device, or no number to call from or to', { group: group.id, member: member?.id });
    await releaseCallback(caller, members);
    return 'skipped';
  }
  const slot = await takeCallSlot(Date.now());
  if (!slot.taken) {
    // This second's call is someone else's: back to its place, and the line is served at the next one.
    await releaseCallback(caller, members);
    await wakeLineAt(group.id, Math.ceil(slot.nextAtMs / 1000), dispatcher);
    return 'skipped';
  }
  const query = callbackQuery.encode({ group: group.id, place: caller.place, member: member.id });
  try {
    await dispatcher.twilio.createCall({
      to: deviceAddress(noun),
      from: caller.calledNumber,
      url: new URL(voiceUrl('callback-member', query), dispatcher.voiceBase).toString(),
      statusCallback: new URL(voiceUrl('callback-status', query), dispatcher.voiceBase).toString(),
      timeoutSeconds: dialTimeoutSeconds(group.rings),
    });
    logger.info('callback started', { group: group.id, member: member.id, attempt: caller.callbackAttempts + 1 });
    return 'moved';
  } catch (error) {
    logger.warn('could not create the callback call; it keeps its place', {
      group: group.id,
      member: member.id,
      error: error instanceof Error ? error.message : String(error),
    });
    await releaseCallback(caller, members);
    return 'skipped';
  }
}
