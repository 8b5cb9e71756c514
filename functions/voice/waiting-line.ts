import { logger } from '../commons/logger.js';
import type { Group, Member, Settings } from '../commons/schemas.js';
import { hasWaitedTooLong, positionInLine, triedAfterOffer, type WaitingCaller } from '../routing/waiting-line.js';
import { noteAbandoned, noteLeftLine, noteWaiting } from '../store/call-store.js';
import { currentConfiguration, type Configuration } from '../store/configuration.js';
import { changeEntry, getEntry, joinLine, removeEntry, type EntryChange } from '../store/line-store.js';
import { clearRinging } from '../store/presence-store.js';
import { dialTimeoutSeconds, planDial, TWILIO_RING_BUFFER_SECONDS } from '../twiml/dial-limits.js';
import { prompt, type Prompt } from '../twiml/prompts.js';
import { emptyResponse, enqueue, hangup, hold, leaveLine, offer } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { dispatchForMembers, dispatchLine, type Dispatcher } from './line-dispatch.js';
import { isOurOwnRedirect } from './own-redirects.js';
import { voicemailTwiml } from './voicemail.js';
import { epochSeconds, param, type VoiceWebhook } from './webhook.js';

/**
 * The waiting line (SPEC section 7), wired: callers join with <Enqueue>; whenever a member is free
 * the longest-waiting caller is offered to them at once (line-dispatch.ts); every request of a waiting
 * caller records that they were heard from, so an entry whose caller is gone is found and removed.
 */

export { dispatchForMembers, type Dispatcher };

/** Twilio's public hold music, for numbers without their own. */
export const DEFAULT_HOLD_MUSIC = 'https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3';

export function dispatcherOf(webhook: VoiceWebhook): Dispatcher {
  return { twilio: webhook.twilio, voiceBase: new URL('./', webhook.url).toString(), now: epochSeconds(webhook) };
}

/** Twilio's queue names have at most 64 characters (https://www.twilio.com/docs/voice/twiml/enqueue); group ids at most 63. */
export function queueName(group: Pick<Group, 'id'>): string {
  return group.id;
}

export function enqueueTwiml(group: Pick<Group, 'id'>, lead?: Prompt): string {
  return enqueue({
    queue: queueName(group),
    waitUrl: voiceUrl('line-wait', { g: group.id }),
    action: voiceUrl('line-left', { g: group.id }),
    before: lead,
  });
}

/** The hold music of the number called, from the configuration. */
export function holdMusicOf(configuration: Configuration | undefined, to: string | undefined): string {
  return (to === undefined ? undefined : configuration?.numbers.get(to)?.holdMusic) ?? DEFAULT_HOLD_MUSIC;
}

/** wait-for-agent: the caller joins the group's line once (a repeated webhook keeps the one entry and its place). */
export async function joinWaitingLine(webhook: VoiceWebhook, group: Group, settings: Settings, lead?: Prompt): Promise<string> {
  const { callSid, from, to } = webhook.call;
  const now = epochSeconds(webhook);
  const configuration = await currentConfiguration();
  const { entry, joined } = await joinLine(group.id, callSid, from, holdMusicOf(configuration, to), now);
  await noteWaiting(callSid, group.id, entry.joinedAt);
  logger.info(joined ? 'caller joins the waiting line' : 'caller is already in the waiting line', { callSid, group: group.id, language: settings.language });
  return enqueueTwiml(group, lead);
}

/** The TwiML that rings the members a waiting caller was claimed for. */
function lineOfferTwiml(group: Group, entry: WaitingCaller, members: ReadonlyMap<string, Member>): string {
  const plan = planDial(entry.offeredTo.flatMap((id) => members.get(id) ?? []));
  return offer({
    nouns: plan.nouns,
    rings: group.rings,
    action: voiceUrl('line-offer-result', { g: group.id, r: entry.offeredTo.join(','), t: String(Date.now()) }),
    legCallback: (member) => voiceUrl('leg', { m: member }),
  });
}

/** The caller was heard from: they are still there (and `change` applies too). */
function heard(entry: WaitingCaller, now: number, change: EntryChange = {}): Promise<WaitingCaller | undefined> {
  return changeEntry(entry, { ...change, lastHeardAt: now });
}

/** /voice/line-wait: the waitUrl. Leaves when claimed or waited too long; else position and music. */
export async function lineWait(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const [entry, configuration] = await Promise.all([getEntry(groupId, callSid), currentConfiguration()]);
  const group = configuration.groups.get(groupId);
  // No entry: removed by an administrator or found gone; the <Enqueue> action offers voicemail.
  if (entry === undefined || group === undefined) return leaveLine();
  if (entry.state === 'timed-out') return leaveLine();
  if (entry.state === 'offered') {
    // Claimed: the caller leaves the queue by itself. Heard now, so a dispatcher whose dequeue finds
    // the caller already out of the queue knows they are alive (line-dispatch.ts).
    await heard(entry, now, { leaving: true });
    return leaveLine();
  }
  const queueSid = param(webhook, 'QueueSid');
  const action = group.whenNobodyAnswers;
  const maxWait = action.action === 'wait-for-agent' ? action.maxWaitSeconds : undefined;
  const tooLong = hasWaitedTooLong(entry, Number(param(webhook, 'QueueTime') ?? '0') || 0, maxWait);
  const current = await heard(entry, now, { state: tooLong ? 'timed-out' : 'waiting', queueSid });
  if (current === undefined) return leaveLine();
  if (tooLong) {
    logger.info('caller waited too long', { callSid, group: groupId });
    return leaveLine();
  }
  const { selfClaimed, line } = await dispatchLine(groupId, dispatcherOf(webhook), callSid);
  if (selfClaimed) return leaveLine();
  const position = positionInLine(line, callSid);
  const announce = action.action === 'wait-for-agent' && action.announcePosition === true && position !== undefined && (current.announced === undefined || position < current.announced);
  if (announce) await changeEntry(current, { announced: position });
  return hold({ ...(announce ? { position: prompt(configuration.settings, 'position', { position }) } : {}), music: current.holdMusic ?? DEFAULT_HOLD_MUSIC });
}

/** The caller left the line for good: its entry goes, and the call remembers how long it waited. */
async function leave(entry: WaitingCaller, now: number, stay = 0): Promise<void> {
  await Promise.all([removeEntry(entry.group, entry.callSid), noteLeftLine(entry.callSid, now, entry.waitedBefore + stay)]);
}

/** A member answered a waiting caller's offer: the caller has left the line; talking is not waiting. */
export async function leaveLineAnswered(group: string, callSid: string, now: number): Promise<void> {
  const entry = await getEntry(group, callSid);
  if (entry?.state === 'offered') await leave(entry, now);
}

/** /voice/line-left: the <Enqueue> action, for every QueueResult. */
export async function lineLeft(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const result = param(webhook, 'QueueResult');
  const [entry, configuration] = await Promise.all([getEntry(groupId, callSid), currentConfiguration()]);
  const group = configuration.groups.get(groupId);
  const settings = configuration.settings;
  // The stay in Twilio's queue is over: it counts toward maxWaitSeconds.
  const stay = Number(param(webhook, 'QueueTime') ?? '0') || 0;
  const counted = async (current: WaitingCaller): Promise<WaitingCaller> => (await heard(current, now, stay > 0 ? { waitedBefore: current.waitedBefore + stay } : {})) ?? current;
  switch (result) {
    case 'leave':
      if (entry?.state === 'offered' && group !== undefined) return lineOfferTwiml(group, await counted(entry), configuration.members);
      if (entry === undefined || entry.state === 'timed-out' || group === undefined) {
        // Waited maxWaitSeconds (or the entry is gone): the caller can leave a message.
        if (entry !== undefined) await leave(entry, now, stay);
        return voicemailTwiml(webhook, settings, { group: groupId, member: group?.members[0] });
      }
      // Left without a reason we know of: back into the line, place kept.
      await counted(entry);
      return enqueueTwiml(group);
    case 'hangup':
      // Abandoned first: a status callback that finds the entry gone then reads the call as abandoned.
      await noteAbandoned(callSid, 'waiting');
      if (entry !== undefined) {
        await leave(entry, now, stay);
        await Promise.all(entry.offeredTo.map((member) => clearRinging(member, callSid)));
      }
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
  const now = epochSeconds(webhook);
  const [entry, configuration] = await Promise.all([getEntry(groupId, webhook.call.callSid), currentConfiguration()]);
  const group = configuration.groups.get(groupId);
  if (group === undefined) return voicemailTwiml(webhook, configuration.settings, { group: groupId, member: undefined });
  if (entry?.state === 'offered') return lineOfferTwiml(group, (await heard(entry, now)) ?? entry, configuration.members);
  return enqueueTwiml(group);
}

/** /voice/line-offer-result: answered ends the wait; otherwise back into the line, place kept. */
export async function lineOfferResult(webhook: VoiceWebhook): Promise<string> {
  const groupId = webhook.query.g ?? '';
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const offered = (webhook.query.r ?? '').split(',').filter(Boolean);
  const status = param(webhook, 'DialCallStatus');
  const offeredAtMs = Number(webhook.query.t ?? '0');
  if (await isOurOwnRedirect(webhook, status, offeredAtMs)) return emptyResponse();
  const [entry, configuration] = await Promise.all([getEntry(groupId, callSid), currentConfiguration()]);
  const group = configuration.groups.get(groupId);
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
  const rang = status === 'no-answer' ? dialTimeoutSeconds(group.rings) + TWILIO_RING_BUFFER_SECONDS : 0;
  if (entry !== undefined) await heard(entry, now, { state: 'joining', offeredTo: [], tried: triedAfterOffer(entry, offered, group.members), waitedBefore: entry.waitedBefore + rang });
  await dispatchForMembers(offered, dispatcherOf(webhook));
  return enqueueTwiml(group);
}
