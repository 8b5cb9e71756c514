import { logger } from '../commons/logger.js';
import type { Group, Member } from '../commons/schemas.js';
import { defaultSettings } from '../commons/schemas.js';
import { assignWaitingCallers, hasWaitedTooLong, positionInLine, triedAfterOffer, waitingCallers, type LineAssignment, type WaitingCaller } from '../routing/waiting-line.js';
import { rotationFromItem } from '../store/rotation-store.js';
import { getCall, noteAbandoned, noteLeftLine, noteWaiting, offeredUpdate } from '../store/call-store.js';
import { batchGet, getGroupState, getMembersWithPresence, getNumber, getSettings } from '../store/config-store.js';
import { groupFromItem, referencesOf } from '../store/items.js';
import { keys } from '../store/keys.js';
import { changeEntry, entryUpdate, joinLine, listLine, removeEntry } from '../store/line-store.js';
import { clearRinging, markTogether, ringingUpdate } from '../store/presence-store.js';
import { dialTimeoutSeconds, planDial } from '../twiml/dial-limits.js';
import { prompt, type Prompt } from '../twiml/prompts.js';
import { emptyResponse, enqueue, hangup, hold, leaveLine, offer } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import type { TwilioApi } from '../twilio-api/client.js';
import { ringingMarks } from './group-flow.js';
import { voicemailTwiml } from './voicemail.js';
import { epochSeconds, param, type VoiceWebhook } from './webhook.js';

/**
 * The waiting line (SPEC section 7), wired: callers join with <Enqueue>; whenever a member is free
 * the longest-waiting caller is offered to them at once, through Twilio's REST API (dequeue, or a
 * redirect before the caller reached the queue); the waitUrl's polling is only the safety net.
 */

/** Twilio's public hold music, for numbers without their own. */
export const DEFAULT_HOLD_MUSIC = 'https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3';

export type Dispatcher = {
  twilio: TwilioApi;
  /** Absolute URL of the voice routes, ending in `/voice/`, for the REST redirects. */
  voiceBase: string;
  now: number;
};

export function dispatcherOf(webhook: VoiceWebhook): Dispatcher {
  return { twilio: webhook.twilio, voiceBase: new URL('./', webhook.url).toString(), now: epochSeconds(webhook) };
}

function queueName(group: Group): string {
  // Queue names have at most 64 characters; group ids at most 63.
  return group.id;
}

function enqueueTwiml(group: Group, lead?: Prompt): string {
  return enqueue({
    queue: queueName(group),
    waitUrl: voiceUrl('line-wait', { g: group.id }),
    action: voiceUrl('line-left', { g: group.id }),
    ...(lead === undefined ? {} : { before: lead }),
  });
}

async function entryOf(group: string, callSid: string): Promise<{ entry: WaitingCaller | undefined; line: WaitingCaller[] }> {
  const line = await listLine(group);
  return { entry: line.find((caller) => caller.callSid === callSid), line };
}

/** wait-for-agent: the caller joins the group's line (or rejoins it, keeping their place). */
export async function joinWaitingLine(webhook: VoiceWebhook, group: Group, lead?: Prompt): Promise<string> {
  const callSid = webhook.params.CallSid ?? 'unknown-call';
  const now = epochSeconds(webhook);
  const { entry } = await entryOf(group.id, callSid);
  const joined = entry ?? (await joinLine(group.id, callSid, webhook.params.From, await holdMusicFor(callSid), now));
  await noteWaiting(callSid, group.id, joined.sk, joined.joinedAt);
  logger.info('caller joins the waiting line', { callSid, group: group.id });
  return enqueueTwiml(group, lead);
}

/** The TwiML that rings the members a waiting caller was claimed for. */
function lineOfferTwiml(group: Group, entry: WaitingCaller, members: ReadonlyMap<string, Member>): string {
  const offered = entry.offeredTo.flatMap((id) => {
    const member = members.get(id);
    return member === undefined ? [] : [member];
  });
  const plan = planDial(offered);
  return offer({
    nouns: plan.nouns,
    rings: group.rings,
    action: voiceUrl('line-offer-result', { g: group.id, r: entry.offeredTo.join(',') }),
    legCallback: (member) => voiceUrl('leg', { m: member }),
  });
}

/**
 * Claim a waiting caller for the members of an assignment: the entry's state and the members'
 * ringing marks in one transaction, so two freed members never take the same caller and a member
 * never rings for two callers.
 */
async function claim(group: Group, assignment: LineAssignment, now: number): Promise<boolean> {
  const ids = assignment.plan.members.map((member) => member.id);
  const marks = ringingMarks(assignment.plan, assignment.caller.callSid, group, now);
  const taken = await markTogether(
    [...marks.map((mark) => ({ Update: ringingUpdate(mark, now) })), { Update: entryUpdate(assignment.caller, { state: 'offered', offeredTo: ids }) }, { Update: offeredUpdate(assignment.caller.callSid, group.id, ids, now) }],
    ids,
  );
  return taken === undefined;
}

/** Undo a claim whose caller could not be moved (gone, or the REST API failed). */
async function release(assignment: LineAssignment): Promise<void> {
  const ids = assignment.plan.members.map((member) => member.id);
  await Promise.all(ids.map((id) => clearRinging(id, assignment.caller.callSid)));
  const current = (await listLine(assignment.caller.group)).find((caller) => caller.callSid === assignment.caller.callSid);
  if (current !== undefined) await changeEntry(current, { state: 'waiting', offeredTo: [] });
}

/**
 * Offer free members to the longest-waiting callers of a group. A caller still joining (its hold
 * music not yet asked for) keeps its member reserved: its own waitUrl request will take them.
 * `self` is the caller whose webhook runs this; true when that caller was claimed (it leaves the line
 * itself with <Leave/>); the others are moved by the REST API at once.
 */
export async function dispatchLine(groupId: string, dispatcher: Dispatcher, self?: string): Promise<boolean> {
  const line = await listLine(groupId);
  if (waitingCallers(line).length === 0) return false;
  const { group, rotationItem } = await getGroupState(groupId, false);
  if (group === undefined) return false;
  const { members, presence } = await getMembersWithPresence(group.members);
  const assignments = assignWaitingCallers(group, members, line, { byMember: presence, now: dispatcher.now }, rotationFromItem(rotationItem));
  let selfClaimed = false;
  for (const assignment of assignments) {
    const { caller } = assignment;
    if (caller.state === 'joining' && caller.callSid !== self) continue;
    if (!(await claim(group, assignment, dispatcher.now))) continue;
    logger.info('waiting caller offered', { callSid: caller.callSid, group: group.id, members: assignment.plan.members.map((member) => member.id) });
    if (caller.callSid === self) {
      selfClaimed = true;
      continue;
    }
    const url = new URL(voiceUrl('line-offer', { g: group.id }), dispatcher.voiceBase).toString();
    try {
      if (caller.queueSid !== undefined) await dispatcher.twilio.dequeueMember(caller.queueSid, caller.callSid, url);
      else await dispatcher.twilio.redirectCall(caller.callSid, url);
    } catch (error) {
      // The caller hung up meanwhile, or Twilio could not be reached: the line's polling retries.
      logger.warn('could not move a waiting caller to an offer', { callSid: caller.callSid, group: group.id, error: error instanceof Error ? error.message : String(error) });
      await release(assignment);
    }
  }
  return selfClaimed;
}

/** Members became eligible (a call ended, an offer went unanswered, back from away): serve the lines they are in. */
export async function dispatchForMembers(memberIds: readonly string[], dispatcher: Dispatcher): Promise<void> {
  if (memberIds.length === 0) return;
  const users = await batchGet([...new Set(memberIds)].map((id) => keys.user(id)));
  const groupIds = [...new Set(users.flatMap((user) => referencesOf(user).filter((ref) => ref.startsWith('group:')).map((ref) => ref.slice('group:'.length))))];
  if (groupIds.length === 0) return;
  const groups = (await batchGet(groupIds.map((id) => keys.group(id)))).map(groupFromItem);
  for (const group of groups.filter((candidate) => candidate.whenNobodyAnswers.action === 'wait-for-agent')) {
    await dispatchLine(group.id, dispatcher);
  }
}

/** The hold music of the number the caller called. */
async function holdMusicFor(callSid: string): Promise<string> {
  const call = await getCall(callSid);
  const to = typeof call?.to === 'string' ? call.to : undefined;
  const number = to === undefined ? undefined : await getNumber(to);
  return number?.holdMusic ?? DEFAULT_HOLD_MUSIC;
}

/** /voice/line-wait: the waitUrl. Leaves when claimed or waited too long; else position and music. */
export async function lineWait(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const callSid = webhook.params.CallSid ?? '';
  const [{ entry, line }, state] = await Promise.all([entryOf(groupId, callSid), getGroupState(groupId, true)]);
  const group = state.group;
  const settings = state.settings ?? defaultSettings;
  if (entry === undefined || group === undefined) return leaveLine();
  if (entry.state === 'offered' || entry.state === 'timed-out') return leaveLine();
  let current = entry;
  const queueSid = param(webhook, 'QueueSid');
  if (entry.state === 'joining' || entry.queueSid !== queueSid) {
    const change = { state: 'waiting' as const, ...(queueSid === undefined ? {} : { queueSid }) };
    if (!(await changeEntry(entry, change))) return leaveLine();
    current = { ...entry, ...change, version: entry.version + 1 };
  }
  const action = group.whenNobodyAnswers;
  const maxWait = action.action === 'wait-for-agent' ? action.maxWaitSeconds : undefined;
  if (hasWaitedTooLong(current, Number(param(webhook, 'QueueTime') ?? '0') || 0, maxWait)) {
    if (await changeEntry(current, { state: 'timed-out' })) logger.info('caller waited too long', { callSid, group: groupId });
    return leaveLine();
  }
  if (await dispatchLine(groupId, dispatcherOf(webhook), callSid)) return leaveLine();
  const position = positionInLine(line, callSid);
  const announce = action.action === 'wait-for-agent' && action.announcePosition === true && position !== undefined && (current.announced === undefined || position < current.announced);
  if (announce) await changeEntry({ ...current, version: current.version }, { announced: position });
  return hold({ ...(announce ? { position: prompt(settings, 'position', { position }) } : {}), music: current.holdMusic ?? DEFAULT_HOLD_MUSIC });
}

async function membersOf(group: Group, ids: readonly string[]): Promise<Map<string, Member>> {
  const { members } = await getMembersWithPresence(ids.length > 0 ? ids : group.members);
  return members;
}

/** The caller left the line for good: its entry goes, and the call remembers how long it waited. */
async function leave(entry: WaitingCaller, now: number, stay = 0): Promise<void> {
  await removeEntry(entry.group, entry.sk);
  await noteLeftLine(entry.callSid, now, entry.waitedBefore + stay);
}

/** /voice/line-left: the <Enqueue> action, for every QueueResult. */
export async function lineLeft(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const callSid = webhook.params.CallSid ?? '';
  const now = epochSeconds(webhook);
  const result = param(webhook, 'QueueResult');
  const [{ entry }, state] = await Promise.all([entryOf(groupId, callSid), getGroupState(groupId, true)]);
  const group = state.group;
  const settings = state.settings ?? defaultSettings;
  // The stay in Twilio's queue is over: it counts toward maxWaitSeconds.
  const stay = Number(param(webhook, 'QueueTime') ?? '0') || 0;
  const counted = async (current: WaitingCaller): Promise<WaitingCaller> => {
    if (stay <= 0) return current;
    const waitedBefore = current.waitedBefore + stay;
    return (await changeEntry(current, { waitedBefore })) ? { ...current, waitedBefore, version: current.version + 1 } : current;
  };
  switch (result) {
    case 'leave':
      if (entry?.state === 'offered' && group !== undefined) {
        const current = await counted(entry);
        return lineOfferTwiml(group, current, await membersOf(group, current.offeredTo));
      }
      if (entry === undefined || entry.state === 'timed-out' || group === undefined) {
        // Waited maxWaitSeconds (or the entry is gone): the caller can leave a message.
        if (entry !== undefined) await leave(entry, now, stay);
        return voicemailTwiml(webhook, settings, { group: groupId, member: group?.members[0] });
      }
      // Left without a reason we know of: back into the line, place kept.
      return enqueueTwiml(group);
    case 'hangup':
      if (entry !== undefined) {
        await leave(entry, now, stay);
        await Promise.all(entry.offeredTo.map((member) => clearRinging(member, callSid)));
      }
      await noteAbandoned(callSid, 'waiting');
      return hangup();
    case 'redirected':
    case 'redirected-from-bridged':
    case 'bridged':
    case 'bridging-in-process':
      // The call runs other TwiML now (our offer, or a bridge); this answer is not used.
      if (entry !== undefined) await counted(entry);
      return emptyResponse();
    case 'queue-full':
    case 'error':
    case 'system-error':
    default:
      logger.warn('the waiting line failed; offering voicemail', { callSid, group: groupId, queueResult: result });
      if (entry !== undefined) await leave(entry, now, stay);
      return voicemailTwiml(webhook, settings, { group: groupId, member: group?.members[0] });
  }
}

/** /voice/line-offer: where a claimed caller is sent by the REST API; it rings the claimed members. */
export async function lineOffer(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const callSid = webhook.params.CallSid ?? '';
  const [{ entry }, state] = await Promise.all([entryOf(groupId, callSid), getGroupState(groupId, false)]);
  const group = state.group;
  if (group === undefined) return voicemailTwiml(webhook, await getSettings(), { group: groupId, member: undefined });
  if (entry?.state === 'offered') return lineOfferTwiml(group, entry, await membersOf(group, entry.offeredTo));
  return enqueueTwiml(group);
}

/** /voice/line-offer-result: answered ends the wait; otherwise back into the line, place kept. */
export async function lineOfferResult(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const callSid = webhook.params.CallSid ?? '';
  const now = epochSeconds(webhook);
  const offered = (webhook.query.r ?? '').split(',').filter(Boolean);
  const status = param(webhook, 'DialCallStatus');
  const [{ entry }, state] = await Promise.all([entryOf(groupId, callSid), getGroupState(groupId, false)]);
  const group = state.group;
  await Promise.all(offered.map((member) => clearRinging(member, callSid)));
  const answered = status === 'completed' || status === 'answered';
  const callerGone = param(webhook, 'CallStatus') === 'completed';
  if (answered || callerGone || group === undefined) {
    if (entry !== undefined) await leave(entry, now);
    if (!answered && callerGone) await noteAbandoned(callSid, 'ringing');
    await dispatchForMembers(offered, dispatcherOf(webhook));
    return hangup();
  }
  // Back into the line, place kept; the time the offer rang counts as waiting.
  const rang = status === 'no-answer' ? dialTimeoutSeconds(group.rings) + 5 : 0;
  if (entry !== undefined) await changeEntry(entry, { state: 'joining', offeredTo: [], tried: triedAfterOffer(entry, offered, group.members), waitedBefore: entry.waitedBefore + rang });
  await dispatchForMembers(offered, dispatcherOf(webhook));
  return enqueueTwiml(group);
}
