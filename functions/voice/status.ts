import { logger } from '../commons/logger.js';
import { countCallEnded } from '../commons/metrics.js';
import { atCallEnd, unknownCall } from '../routing/call-outcome.js';
import { DEFAULT_REPORT_SETTINGS, finishCall, getCall, getCallWithLedger } from '../store/call-store.js';
import { currentConfiguration } from '../store/configuration.js';
import { removeEntry } from '../store/line-store.js';
import { clearMarksOfCall } from '../store/presence-store.js';
import { emptyResponse } from '../twiml/responses.js';
import { CALL_FINAL } from '../twilio/vocabulary.js';
import { afterCallsEnded, dispatcherOf } from './waiting-line.js';
import { epochSeconds, eventSeconds, type VoiceWebhook } from './webhook.js';

/**
 * /voice/status: the number's call status callback. When the call is over it clears the marks the
 * call still holds and its place in a waiting line, records its outcome once (GET /calls, the metric
 * CallsEnded), and offers
 * freed members to waiting callers.
 */
export async function status(webhook: VoiceWebhook): Promise<string> {
  const { callSid } = webhook.call;
  const callStatus = webhook.params.callStatus;
  if (callStatus === undefined || !CALL_FINAL.has(callStatus)) return emptyResponse();
  const now = epochSeconds(webhook);
  const call = (await getCall(callSid)) ?? unknownCall(callSid);
  const offered = call.offeredMembers;
  const [freed, stillWaiting] = await Promise.all([
    clearMarksOfCall(callSid, offered, now),
    // A caller who asked for a callback keeps their place after hanging up (SPEC 16).
    call.lineGroup !== undefined && call.linePlace !== undefined && !call.callbackRequested
      ? removeEntry(call.lineGroup, call.linePlace)
      : false,
  ]);
  // Read again: the queue or <Dial> action of the same hang-up may have noted the abandonment since
  // (they note it before they clear marks or leave the line, which this request has just done). The
  // same query reads the call's ledger, from which its figures are counted (SPEC 17).
  const read = await getCallWithLedger(callSid);
  const latest = read.call ?? call;
  // Still in the line at the end: the caller hung up while waiting (unless someone had answered).
  const final = atCallEnd(latest, stillWaiting, now);
  // The report's thresholds of each group the call visited (SPEC 17), from the configuration in memory.
  const groups = (await currentConfiguration()).groups;
  const record = await finishCall(
    final,
    eventSeconds(webhook),
    webhook.params.callDuration,
    (id) => groups.get(id) ?? DEFAULT_REPORT_SETTINGS,
    read.events,
  );
  // Once per call: `finishCall` answers undefined for a callback whose end was recorded before (a retry).
  if (record !== undefined) {
    logger.info('call ended', { outcome: record.outcome, answeredBy: record.answeredBy });
    countCallEnded(record);
  }
  await afterCallsEnded(freed, dispatcherOf(webhook));
  return emptyResponse();
}
