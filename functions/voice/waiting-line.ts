import { logger } from '../commons/logger.js';
import type { Group } from '../commons/schemas.js';
import { estimatedWaitSeconds, minutesToSay } from '../routing/estimated-wait.js';
import { groupOpen } from '../routing/schedule.js';
import {
  assignWaitingCallers,
  hasWaitedTooLong,
  LEAVING_STATES,
  LINE_SILENCE_LIMIT_SECONDS,
  menuOf,
  nobodyAvailable,
  triedAfterOffer,
  waitForAgentOf,
  type WaitingCaller,
} from '../routing/waiting-line.js';
import { callStateFrom, callStateKey, getCall, noteAbandoned, noteLeftLine, type CallStart, type CallState } from '../store/call-store.js';
import { claimStateFrom } from '../store/claims.js';
import { cachedConfiguration, readWithConfiguration, type Configuration } from '../store/configuration.js';
import type { Key } from '../store/keys.js';
import {
  changeEntry,
  entryFrom,
  getEntry,
  joinLineWithin,
  lineEntryKey,
  lineStateKey,
  paceFrom,
  recordLineAnswer,
  newEntry,
  placeOf,
  positionOf,
  readLineHead,
  removeEntry,
  type EntryChange,
} from '../store/line-store.js';
import { clearRinging } from '../store/presence-store.js';
import { dialTimeoutSeconds, planDial } from '../twiml/dial-limits.js';
import { prompt, type Prompt } from '../twiml/prompts.js';
import { emptyResponse, enqueue, hangup, hold, leaveLine, offer } from '../twiml/responses.js';
import { legQuery, lineOfferQuery, lineQuery } from '../twiml/queries.js';
import { voiceUrl } from '../twiml/urls.js';
import { afterCallsEnded, dispatchForMembers, dispatchLine, endRinging, lineStateKeys, type Dispatcher } from './line-dispatch.js';
import { isOwnRedirect } from './own-redirects.js';
import { recordEvents, type EventWrite } from '../store/ledger-store.js';
import { unansweredStatus } from '../routing/dial-outcome.js';
import { voicemailTwiml } from './voicemail.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';
import { DIAL_ANSWERED, DIAL_NOT_BRIDGED, QUEUE_NAME_MAX_LENGTH, TWILIO_RING_BUFFER_SECONDS } from '../twilio/vocabulary.js';
import { offerScreening } from './leg-screening.js';

/**
 * The waiting line (SPEC section 7), wired: callers join with <Enqueue>; whenever a member is free
 * the longest-waiting caller is offered to them at once (line-dispatch.ts); every request of a waiting
 * caller records that they were heard from, so an entry whose caller is gone is found and removed.
 */

export { afterCallsEnded, dispatchForMembers, type Dispatcher };

/** Twilio's public hold music, for numbers without their own. */
export const DEFAULT_HOLD_MUSIC = 'https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3';

export function dispatcherOf(webhook: VoiceWebhook): Dispatcher {
  return { twilio: webhook.twilio, voiceBase: new URL('./', webhook.url).toString(), now: epochSeconds(webhook) };
}

/** The queue a group's callers wait in, named after the group (ids have at most 63 characters). */
export function queueName(group: Pick<Group, 'id'>): string {
  return group.id.slice(0, QUEUE_NAME_MAX_LENGTH);
}

/** The caller's <Enqueue>: their place travels in our URLs, so each request reads their entry by key. */
export function enqueueTwiml(group: Pick<Group, 'id'>, place: string | undefined, lead?: Prompt): string {
  const query = lineQuery.encode({ group: group.id, place });
  return enqueue({
    queue: queueName(group),
    waitUrl: voiceUrl('line-wait', query),
    action: voiceUrl('line-left', query),
    before: lead,
  });
}

/** The hold music of the number called, from the configuration. */
export function holdMusicOf(configuration: Configuration | undefined, to: string | undefined): string {
  return (to === undefined ? undefined : configuration?.numbers.get(to)?.holdMusic) ?? DEFAULT_HOLD_MUSIC;
}

/** What the joining webhook read and must write with the join. */
export type JoinWrites = {
  /** The call as read: it records a place when the caller joined before (a repeated webhook). */
  call: CallState | undefined;
  /** The call's item starts with the join (incoming). */
  callStart?: CallStart | undefined;
  /** Members whose ringing for this call ends now (the offer before). */
  released: readonly string[];
  /** The line has `maxCallers` and no room: what the caller gets instead (the group's `whenFull`). */
  whenFull: () => Promise<string>;
};

/**
 * wait-for-agent: the caller joins the group's line once, at the back (one write, no counter read);
 * a repeated webhook finds the place on the call and keeps the one entry.
 */
export async function joinWaitingLine(
  webhook: VoiceWebhook,
  group: Group,
  configuration: Configuration,
  lead: Prompt | undefined,
  writes: JoinWrites,
): Promise<string> {
  const { callSid, from, to } = webhook.call;
  const now = epochSeconds(webhook);
  const release = endRinging(callSid, writes.released, dispatcherOf(webhook));
  if (writes.call?.lineGroup === group.id && writes.call.linePlace !== undefined) {
    await release;
    logger.info('caller is already in the waiting line', { group: group.id });
    return enqueueTwiml(group, writes.call.linePlace, lead);
  }
  const entry = newEntry(group.id, placeOf(webhook.now.getTime(), callSid), callSid, from, holdMusicOf(configuration, to), now, to);
  const maxCallers = group.whenNobodyAnswers.action === 'wait-for-agent' ? group.whenNobodyAnswers.maxCallers : undefined;
  const [joined] = await Promise.all([joinLineWithin(entry, now, writes.callStart, maxCallers), release]);
  if (joined.full) {
    logger.info('the waiting line is full', { group: group.id, maxCallers });
    return writes.whenFull();
  }
  logger.info(joined.joined ? 'caller joins the waiting line' : 'caller is already in the waiting line', { group: group.id });
  return enqueueTwiml(group, joined.entry.place, lead);
}

/**
 * The TwiML that rings the members a waiting caller was claimed for; legs that must confirm (the
 * group's `confirm`) hear the question first, so a voicemail box does not take the caller here either.
 */
export function lineOfferTwiml(webhook: VoiceWebhook, group: Group, entry: WaitingCaller, configuration: Configuration): string {
  const plan = planDial(entry.offeredTo.flatMap((id) => configuration.members.get(id) ?? []));
  return offer({
    screening: offerScreening(webhook, group, configuration.settings),
    nouns: plan.nouns,
    rings: group.rings,
    action: voiceUrl(
      'line-offer-result',
      lineOfferQuery.encode({ group: group.id, place: entry.place, ringing: entry.offeredTo, offeredAtMs: Date.now() }),
    ),
    legCallback: (member) => voiceUrl('leg', legQuery.encode({ member, wrapUpSeconds: group.wrapUpSeconds })),
  });
}

/** The caller was heard from: they are still there (and `change` applies too). */
export function heard(entry: WaitingCaller, now: number, change: EntryChange = {}): Promise<WaitingCaller | undefined> {
  return changeEntry(entry, { ...change, lastHeardAt: now });
}

/**
 * The place of the caller a line webhook is about: from our own URL (`p`), else (a URL of an
 * earlier version) from the call's item, one read more.
 */
export async function placeFor(webhook: VoiceWebhook, groupId: string): Promise<string | undefined> {
  const { place } = lineQuery.decode(webhook.query);
  if (place !== undefined) return place;
  const call = await getCall(webhook.call.callSid);
  return call?.lineGroup === groupId ? call.linePlace : undefined;
}

/**
 * The configuration, the caller's entry and `more` keys, in one request when the configuration is
 * cached, and what `alongside` reads with the group in the same round trip.
 */
export async function readEntry<A = never>(
  groupId: string,
  place: string | undefined,
  more: (configuration: Configuration | undefined) => Key[] = () => [],
  alongside?: (group: Group) => Promise<A>,
) {
  const read = await readWithConfiguration(
    (current) => [...(place === undefined ? [] : [lineEntryKey(groupId, place)]), ...more(current)],
    (current) => {
      const group = current.groups.get(groupId);
      return group === undefined || alongside === undefined ? undefined : alongside(group);
    },
  );
  return { ...read, entry: place === undefined ? undefined : entryFrom(read.items, groupId, place) };
}

/**
 * /voice/line-wait: the waitUrl. Leaves when claimed or waited too long; else position and music.
 * One read (the configuration, the caller's entry, the group's marks and rotation, the head of the
 * line, and the count of callers ahead when positions are announced; a bounded number of items
 * however long the line), then one write (the caller heard from, side by side with any claim the
 * safety-net dispatch makes).
 */
export async function lineWait(webhook: VoiceWebhook): Promise<string> {
  const groupId = lineQuery.decode(webhook.query).group;
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const place = await placeFor(webhook, groupId);
  const settingsOf = (group: Group | undefined) => (group === undefined ? undefined : waitForAgentOf(group));
  // The position is counted when it is said, or the estimated wait that scales with it.
  const counts = (group: Group | undefined): boolean =>
    settingsOf(group)?.announcePosition === true || settingsOf(group)?.announceEstimatedWait === true;
  const { configuration, items, entry, alongside } = await readEntry(
    groupId,
    place,
    (current) => [
      ...lineStateKeys(current, groupId),
      ...(settingsOf(current?.groups.get(groupId))?.announceEstimatedWait === true ? [lineStateKey(groupId)] : []),
    ],
    (group) =>
      Promise.all([
        readLineHead(group),
        place !== undefined && counts(group) ? positionOf({ group: groupId, place }, now - LINE_SILENCE_LIMIT_SECONDS) : undefined,
      ]),
  );
  const group = configuration.groups.get(groupId);
  // No entry: removed by an administrator or found gone; the <Enqueue> action offers voicemail.
  if (entry === undefined || group === undefined) return leaveLine();
  const line = settingsOf(group);
  // On its way out (waited too long, nobody available, asked for voicemail): the <Enqueue> action says where.
  if (LEAVING_STATES.includes(entry.state)) return leaveLine();
  if (entry.state === 'offered') {
    // Claimed: the caller leaves the queue by itself. Heard now, so a dispatcher whose dequeue finds
    // the caller already out of the queue knows they are alive (line-dispatch.ts).
    await heard(entry, now, { leaving: true });
    return leaveLine();
  }
  const queueSid = webhook.params.queueSid;
  const action = group.whenNobodyAnswers;
  const maxWait = action.action === 'wait-for-agent' ? action.maxWaitSeconds : undefined;
  const tooLong = hasWaitedTooLong(entry, webhook.params.queueTime ?? 0, maxWait);
  if (tooLong) {
    logger.info('caller waited too long', { group: groupId });
    await heard(entry, now, { state: 'timed-out', queueSid });
    return leaveLine();
  }
  if (line?.whenNobodyAvailable !== undefined && nobodyAvailable(group, configuration.members)) {
    // Everyone went away while the caller waited (SPEC 16): do not wait for nobody.
    logger.info('nobody of the group is available any more: leaving the line', { group: groupId });
    await heard(entry, now, { state: 'nobody-available', queueSid });
    return leaveLine();
  }
  const [head, position] = alongside ?? [await readLineHead(group), undefined];
  // Said when the position is first known and whenever it improved.
  const announce = counts(group) && position !== undefined && (entry.announced === undefined || position < entry.announced);
  // The safety net: free members the line did not get offered yet (a lost dispatch). The caller's own
  // entry is read by key, so the decision sees it even beyond the head.
  const callers = head.some((caller) => caller.place === entry.place)
    ? head.map((caller) => (caller.place === entry.place ? entry : caller))
    : [...head, entry];
  const view = { configuration, items, head: callers };
  const state = claimStateFrom(items, group.id);
  const selfFirst = assignWaitingCallers(group, configuration.members, callers, { byMember: state.presence, now }, state.rotation).some(
    (assignment) => assignment.caller.callSid === callSid,
  );
  if (selfFirst) {
    // The caller is claimed in the dispatch's write (its entry changes there): no separate "heard" write.
    const { selfClaimed } = await dispatchLine(groupId, dispatcherOf(webhook), { self: callSid, view });
    if (selfClaimed) return leaveLine();
  } else {
    const [current] = await Promise.all([
      heard(entry, now, { state: 'waiting', queueSid, ...(announce ? { announced: position } : {}) }),
      dispatchLine(groupId, dispatcherOf(webhook), {
        self: callSid,
        view: { ...view, head: callers.filter((caller) => caller.callSid !== callSid) },
      }),
    ]);
    if (current === undefined) return leaveLine();
  }
  const settings = configuration.settings;
  const estimate =
    announce && line?.announceEstimatedWait === true ? estimatedWaitSeconds(paceFrom(items, groupId), position, now) : undefined;
  const minutes = estimate === undefined ? undefined : minutesToSay(estimate);
  return holdTwiml(group, entry, configuration, webhook.now.getTime(), [
    ...(announce && line?.announcePosition === true ? [prompt(settings, 'position', { position })] : []),
    ...(minutes === undefined
      ? []
      : [minutes === 1 ? prompt(settings, 'estimatedWaitOne') : prompt(settings, 'estimatedWait', { minutes })]),
  ]);
}

/**
 * The hold document: the announcements, the menu's keys when the group offers any (SPEC 16), then
 * the hold music, all inside a <Gather> whose action is /voice/line-key when there is a menu.
 */
export function holdTwiml(
  group: Group,
  entry: WaitingCaller,
  configuration: Configuration,
  atMs: number,
  announcements: readonly Prompt[],
): string {
  const settings = configuration.settings;
  // A callback is never offered while the group is closed (SPEC 16).
  const menu = { ...menuOf(group), ...(groupOpen(group, configuration.schedules, atMs) ? {} : { callback: false }) };
  return hold({
    announcements: [
      ...announcements,
      ...(menu.callback ? [prompt(settings, 'menuCallback')] : []),
      ...(menu.voicemail ? [prompt(settings, 'menuVoicemail')] : []),
    ],
    music: entry.holdMusic ?? DEFAULT_HOLD_MUSIC,
    ...(menu.callback || menu.voicemail
      ? { menuAction: voiceUrl('line-key', lineQuery.encode({ group: group.id, place: entry.place })) }
      : {}),
  });
}

/** The caller left the line for good: its entry goes, and the call remembers how long it waited. */
export async function leave(entry: WaitingCaller, now: number, stay = 0, counted = false): Promise<void> {
  await Promise.all([removeEntry(entry.group, entry.place, counted), noteLeftLine(entry.callSid, now, entry.waitedBefore + stay)]);
}

/**
 * A member answered a waiting caller's offer: the caller has left the line; talking is not waiting.
 * The line's pace (the estimated wait) notes the answer.
 */
export async function leaveLineAnswered(group: string, place: string, now: number): Promise<void> {
  const entry = await getEntry(group, place);
  if (entry?.state !== 'offered') return;
  const line = cachedConfiguration()?.groups.get(group);
  const counted = line === undefined ? false : waitForAgentOf(line)?.maxCallers !== undefined;
  await Promise.all([leave(entry, now, 0, counted), recordLineAnswer(group, entry.joinedAt, now)]);
}

/** /voice/line-offer: where a claimed caller is sent by the REST API; it rings the claimed members. */
export async function lineOffer(webhook: VoiceWebhook): Promise<string> {
  const groupId = lineQuery.decode(webhook.query).group;
  const now = epochSeconds(webhook);
  const place = await placeFor(webhook, groupId);
  const { configuration, entry } = await readEntry(groupId, place);
  const group = configuration.groups.get(groupId);
  if (group === undefined) return voicemailTwiml(webhook, configuration.settings, { group: groupId, member: undefined });
  if (entry?.state === 'offered') return lineOfferTwiml(webhook, group, (await heard(entry, now)) ?? entry, configuration);
  return enqueueTwiml(group, place);
}

/**
 * /voice/line-offer-result: answered ends the wait; otherwise back into the line, place kept. One read
 * (the configuration, the entry, the group's marks and the head of its line, and the call when the
 * <Dial> was canceled), then one round trip of writes: the end of the offer's ringing beside the
 * entry's change and the claims that offer the freed members to the next waiting callers (taking over
 * the marks this offer still holds, whichever write lands first).
 */
export async function lineOfferResult(webhook: VoiceWebhook): Promise<string> {
  const groupId = lineQuery.decode(webhook.query).group;
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const { ringing: offered, offeredAtMs } = lineOfferQuery.decode(webhook.query);
  const status = webhook.params.dialCallStatus;
  const place = await placeFor(webhook, groupId);
  const {
    configuration,
    entry,
    items,
    alongside: guessedHead,
  } = await readEntry(
    groupId,
    place,
    (current) => [...(status === 'canceled' ? [callStateKey(callSid)] : []), ...lineStateKeys(current, groupId)],
    (group) => readLineHead(group),
  );
  if (isOwnRedirect(callStateFrom(items, callSid), status, offeredAtMs)) return emptyResponse();
  const group = configuration.groups.get(groupId);
  // A leg that did not confirm with 1 hung up without a bridge: not answered (SPEC 15).
  const answered = status !== undefined && DIAL_ANSWERED.has(status) && webhook.params.dialBridged !== DIAL_NOT_BRIDGED;
  const callerGone = webhook.params.callStatus === 'completed';
  const clearOffer = Promise.all(offered.map((member) => clearRinging(member, callSid)));
  if (answered || callerGone || group === undefined) {
    if (!answered && callerGone) await noteAbandoned(callSid, 'ringing');
    await Promise.all([clearOffer, entry === undefined ? undefined : leave(entry, now)]);
    await dispatchForMembers(offered, dispatcherOf(webhook));
    return hangup();
  }
  // Back into the line, place kept; the time the offer took counts as waiting (from its start, which
  // the action URL carries: a leg that answered and declined took time too, and maxWaitSeconds must
  // come even for a caller whose offers keep being declined).
  // An unanswered ring lasted its timeout at least, whatever our clock measured.
  const rang = Math.max(
    offeredAtMs === undefined ? 0 : Math.round(now - offeredAtMs / 1000),
    status === 'no-answer' ? dialTimeoutSeconds(group.rings) + TWILIO_RING_BUFFER_SECONDS : 0,
  );
  const back =
    entry === undefined
      ? undefined
      : {
          state: 'joining' as const,
          offeredTo: [],
          tried: triedAfterOffer(entry, offered, group.members),
          waitedBefore: entry.waitedBefore + rang,
        };
  // The freed members go to the callers behind (this caller, joining again, is served by its own hold-music request).
  const head = (guessedHead ?? (await readLineHead(group))).map((caller) =>
    entry !== undefined && back !== undefined && caller.place === entry.place ? { ...entry, ...back } : caller,
  );
  const unanswered: EventWrite = {
    event: {
      kind: 'not-answered',
      at: webhook.now.getTime(),
      group: groupId,
      members: offered,
      ringSeconds: rang,
      status: unansweredStatus(webhook.params.dialCallStatus, webhook.params.dialBridged),
    },
    index: `line#${offeredAtMs ?? place}`,
  };
  await Promise.all([
    clearOffer,
    entry === undefined || back === undefined ? undefined : heard(entry, now, back),
    dispatchLine(groupId, dispatcherOf(webhook), { view: { configuration, items, head }, takeOverFrom: callSid }),
    recordEvents(callSid, [unanswered]),
  ]);
  // Members of other groups' lines too: rare, and served after.
  const elsewhere = [...configuration.groups.values()].filter(
    (other) =>
      other.id !== groupId &&
      other.whenNobodyAnswers.action === 'wait-for-agent' &&
      other.members.some((member) => offered.includes(member)),
  );
  await Promise.all(elsewhere.map((other) => dispatchLine(other.id, dispatcherOf(webhook))));
  return enqueueTwiml(group, place);
}
