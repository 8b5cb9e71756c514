import { logger } from '../commons/logger.js';
import { minutesToSay } from '../routing/estimated-wait.js';
import { waitForAgentOf, type WaitingCaller } from '../routing/waiting-line.js';
import type { Group } from '../commons/schemas.js';
import { logCallback } from '../store/call-store.js';
import { changeEntry, endCallback } from '../store/line-store.js';
import { clearBusy, clearRinging, markBusy } from '../store/presence-store.js';
import { prompt, spokenNumber } from '../twiml/prompts.js';
import { callbackQuery } from '../twiml/queries.js';
import { callbackBridge, emptyResponse, hangup, messageThenHangup } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { DIAL_ANSWERED, MAX_CALL_SECONDS } from '../twilio/vocabulary.js';
import { BUSY_MARGIN_SECONDS } from './leg.js';
import { afterCallsEnded, dispatchLine, wakeLineAt } from './line-dispatch.js';
import { readEntry } from './waiting-line.js';
import { dispatcherOf } from './waiting-line.js';
import { epochSeconds, eventSeconds, type VoiceWebhook } from './webhook.js';

/**
 * A callback's call (SPEC 16), created through the REST API to the member's device (line-dispatch.ts):
 * callback-member when the member answers (the whisper, then the caller's number is dialled with the
 * number the caller had called as caller ID), callback-result when that dial ends (reached: done; not:
 * another attempt after the group's delay, or the last one logged), callback-status for the member's
 * call itself (not answered: the next member; over: the member is free, after their wrap-up).
 */

/** Seconds the caller's phone rings on a callback (Twilio's default for <Dial>). */
const CALLER_RING_SECONDS = 30;
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_RETRY_DELAY_SECONDS = 120;

async function readCallback(webhook: VoiceWebhook) {
  const { group: groupId, place, member } = callbackQuery.decode(webhook.query);
  const { configuration, entry } = await readEntry(groupId, place);
  const group = configuration.groups.get(groupId);
  const ours = entry !== undefined && entry.state === 'calling-back' && member !== undefined && entry.offeredTo.includes(member);
  return { configuration, group, member, entry: ours ? entry : undefined };
}

/** /voice/callback-member: the member answered; they hear whom they call back, then the caller is dialled. */
export async function callbackMember(webhook: VoiceWebhook): Promise<string> {
  const { configuration, group, member, entry } = await readCallback(webhook);
  if (group === undefined || member === undefined || entry?.callbackNumber === undefined || entry.calledNumber === undefined) {
    logger.warn('a callback call found nothing to call back', { query: webhook.query });
    return hangup();
  }
  const now = epochSeconds(webhook);
  await markBusy(member, entry.callSid, webhook.call.callSid, now, now + MAX_CALL_SECONDS + BUSY_MARGIN_SECONDS, group.wrapUpSeconds);
  const minutes = minutesToSay(now - entry.joinedAt);
  return callbackBridge({
    whisper: prompt(configuration.settings, minutes === 1 ? 'callbackWhisperOne' : 'callbackWhisper', {
      caller: spokenNumber(entry.callbackNumber),
      minutes,
    }),
    callerId: entry.calledNumber,
    number: entry.callbackNumber,
    action: voiceUrl('callback-result', callbackQuery.encode({ group: group.id, place: entry.place, member })),
    timeoutSeconds: CALLER_RING_SECONDS,
  });
}

/** The callback's record in the call log: one per attempt that ended it. */
function record(webhook: VoiceWebhook, group: Group, entry: WaitingCaller, member: string, reached: boolean, now: number) {
  const talked = webhook.params.dialCallDuration ?? 0;
  const startedAt = Math.max(entry.joinedAt, now - talked - CALLER_RING_SECONDS);
  return logCallback({
    callSid: webhook.call.callSid,
    from: entry.calledNumber,
    to: entry.callbackNumber,
    group: group.id,
    groups: [group.id],
    outcome: reached ? 'called-back' : 'callback-failed',
    answeredBy: reached ? member : undefined,
    answeredAfterSeconds: undefined,
    // From the caller's first call to the callback's end: how long they waited in all.
    waitedSeconds: Math.max(0, Math.round(now - talked - entry.joinedAt)),
    startedAt: new Date(startedAt * 1000).toISOString(),
    endedAt: new Date(now * 1000).toISOString(),
    durationSeconds: talked,
    callbackFor: entry.callSid,
    attempts: entry.callbackAttempts + 1,
  });
}

/** /voice/callback-result: the caller's phone answered (done) or not (another attempt later, or the last). */
export async function callbackResult(webhook: VoiceWebhook): Promise<string> {
  const { configuration, group, member, entry } = await readCallback(webhook);
  if (group === undefined || member === undefined || entry === undefined) return hangup();
  const now = eventSeconds(webhook);
  const status = webhook.params.dialCallStatus;
  const line = waitForAgentOf(group);
  const counted = line?.maxCallers !== undefined;
  if (status !== undefined && DIAL_ANSWERED.has(status)) {
    await Promise.all([endCallback(entry, counted), record(webhook, group, entry, member, true, now)]);
    logger.info('callback reached the caller', { group: group.id, member, attempts: entry.callbackAttempts + 1 });
    return hangup();
  }
  const attempts = entry.callbackAttempts + 1;
  const settings = configuration.settings;
  if (attempts >= (line?.callback?.attempts ?? DEFAULT_ATTEMPTS)) {
    await Promise.all([endCallback(entry, counted), record(webhook, group, entry, member, false, now)]);
    // The notice the group follows up on: the caller asked for a callback and was never reached.
    logger.warn('callback failed: the caller was not reached; follow up by voicemail or message', {
      group: group.id,
      callbackFor: entry.callSid,
      attempts,
    });
    return messageThenHangup(prompt(settings, 'callbackNotReached'));
  }
  const notBefore = epochSeconds(webhook) + (line?.callback?.retryDelaySeconds ?? DEFAULT_RETRY_DELAY_SECONDS);
  await Promise.all([
    changeEntry(entry, { state: 'callback', offeredTo: [], callbackAttempts: attempts, callbackNotBefore: notBefore }),
    wakeLineAt(group.id, notBefore, dispatcherOf(webhook)),
  ]);
  logger.info('callback not answered; trying again later', { group: group.id, attempts, notBefore });
  return messageThenHangup(prompt(settings, 'callbackNotReached'));
}

/** The member's call never answered: the callback keeps its place and goes to the next member. */
const NOT_ANSWERED: ReadonlySet<string> = new Set(['no-answer', 'busy', 'failed', 'canceled']);

/** /voice/callback-status: the member's call ended (answered or not). */
export async function callbackStatus(webhook: VoiceWebhook): Promise<string> {
  const status = webhook.params.callStatus;
  if (status !== 'completed' && (status === undefined || !NOT_ANSWERED.has(status))) return emptyResponse();
  const { group: groupId, place, member } = callbackQuery.decode(webhook.query);
  if (member === undefined) return emptyResponse();
  const { configuration, entry } = await readEntry(groupId, place);
  const group = configuration.groups.get(groupId);
  const now = epochSeconds(webhook);
  const dispatcher = dispatcherOf(webhook);
  if (status === 'completed') {
    // The member's busy mark (set when they answered) ends; their wrap-up, if any, starts. A callback
    // still being made had its dial's result lost: it goes back to its place, the attempt uncounted.
    const [ended] = await Promise.all([
      clearBusy(member, webhook.call.callSid, now, group?.wrapUpSeconds ?? 0),
      entry?.state === 'calling-back' && entry.offeredTo.includes(member)
        ? changeEntry(entry, { state: 'callback', offeredTo: [] })
        : undefined,
    ]);
    await afterCallsEnded(ended === undefined ? [] : [ended], dispatcher);
    return emptyResponse();
  }
  await Promise.all([
    entry === undefined ? undefined : clearRinging(member, entry.callSid),
    entry?.state === 'calling-back' && entry.offeredTo.includes(member)
      ? changeEntry(entry, { state: 'callback', offeredTo: [], tried: [...new Set([...entry.tried, member])] })
      : undefined,
  ]);
  if (group !== undefined) await dispatchLine(group.id, dispatcher);
  return emptyResponse();
}
