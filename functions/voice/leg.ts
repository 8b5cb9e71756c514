import { logger } from '../commons/logger.js';
import { getCall } from '../store/call-store.js';
import { recordLegStatus, type LegStatus } from '../store/leg-store.js';
import { recordEvents } from '../store/ledger-store.js';
import { clearRinging, readPresence } from '../store/presence-store.js';
import { MAX_CALL_SECONDS } from '../twilio/vocabulary.js';
import { legQuery } from '../twiml/queries.js';
import { emptyResponse } from '../twiml/responses.js';
import { LEG_ANSWERING } from '../twilio/vocabulary.js';
import { afterCallsEnded, dispatchForMembers, dispatcherOf, leaveLineAnswered } from './waiting-line.js';
import { epochSeconds, eventSeconds, type VoiceWebhook } from './webhook.js';

/** Seconds a busy mark outlives the longest possible call, for callbacks that arrive late. */
export const BUSY_MARGIN_SECONDS = 300;

/**
 * /voice/leg?m=<member>: a child leg's status callback (answered, completed). An answer makes the
 * member busy, records who answered the call, and frees the other members of the offer; the end of
 * an answered leg frees the member, who is then offered the longest-waiting caller at once (SPEC
 * sections 5 and 7). Repeated or reordered callbacks change nothing.
 */
export async function leg(webhook: VoiceWebhook): Promise<string> {
  const { member, wrapUpSeconds } = legQuery.decode(webhook.query);
  const legSid = webhook.call.callSid;
  const parent = webhook.params.parentCallSid;
  const status = webhook.params.callStatus ?? '';
  const sequence = webhook.params.sequenceNumber;
  if (member === undefined || parent === undefined || sequence === undefined) {
    logger.warn('leg callback without member, ParentCallSid or SequenceNumber', { query: webhook.query, legSid, parent });
    return emptyResponse();
  }
  await recordLeg(webhook, {
    leg: legSid,
    parent,
    member,
    sequence,
    status,
    wrapUpSeconds,
    durationSeconds: webhook.params.callDuration ?? 0,
  });
  return emptyResponse();
}

/**
 * A leg's status as its callback (or, for a leg that had to confirm, leg-confirm's 1) reports it:
 * answered makes the member busy, records who answered and frees the offer's other members; completed
 * frees the member. Only a status newer than the last one seen for the leg has an effect.
 */
export async function recordLeg(webhook: VoiceWebhook, callback: LegStatus): Promise<void> {
  const { leg: legSid, parent, member, sequence, status } = callback;
  const now = epochSeconds(webhook);
  const outcome = await recordLegStatus(callback, now, now + MAX_CALL_SECONDS + BUSY_MARGIN_SECONDS, eventSeconds(webhook));
  if (outcome !== 'applied') {
    logger.info('leg callback without effect', { legSid, sequence, status, outcome });
    return;
  }
  // The member's wrap-up (as the answer recorded it) runs from now; without one they are free at once.
  if (status === 'completed') await afterCallsEnded([{ member, wrapUpUntil: now + (callback.wrapUpSeconds ?? 0) }], dispatcherOf(webhook));
  if (LEG_ANSWERING.has(status)) {
    // The first answer stops the other devices of the offer: their members are free again. Their marks
    // are read first, so only the marks still ringing for this call are written.
    const call = await getCall(parent);
    const others = (call?.offeredMembers ?? []).filter((other) => other !== member);
    const marks = await readPresence(others);
    const ringing = others.filter((other) => marks.get(other)?.ringingCall === parent);
    const [freed] = await Promise.all([
      Promise.all(ringing.map(async (other) => ((await clearRinging(other, parent)) ? other : undefined))),
      call?.lineGroup !== undefined && call.linePlace !== undefined ? leaveLineAnswered(call.lineGroup, call.linePlace, now) : undefined,
      // The ledger (SPEC 17): the answer, once (the <Dial> action writes the same key when this callback is lost).
      recordEvents(parent, [{ event: { kind: 'answered', at: webhook.now.getTime(), member, leg: legSid } }]),
    ]);
    await dispatchForMembers(
      freed.filter((other): other is string => other !== undefined),
      dispatcherOf(webhook),
    );
  }
}
