import { logger } from '../commons/logger.js';
import { finishCall, getCall } from '../store/call-store.js';
import { removeEntry } from '../store/line-store.js';
import { clearMarksOfCall } from '../store/presence-store.js';
import { emptyResponse } from '../twiml/responses.js';
import { dispatchForMembers, dispatcherOf } from './waiting-line.js';
import { epochSeconds, eventSeconds, param, type VoiceWebhook } from './webhook.js';

/** Twilio's final call statuses: the call is over. */
const FINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * /voice/status: the number's call status callback. When the call is over it clears the marks the
 * call still holds and its place in a waiting line, records its outcome once (GET /calls), and offers
 * freed members to waiting callers.
 */
export async function status(webhook: VoiceWebhook): Promise<string> {
  const callSid = param(webhook, 'CallSid');
  const callStatus = param(webhook, 'CallStatus');
  if (callSid === undefined || callStatus === undefined || !FINAL.has(callStatus)) return emptyResponse();
  const now = epochSeconds(webhook);
  const item = (await getCall(callSid)) ?? {};
  const offered = item.offeredMembers instanceof Set ? [...item.offeredMembers].map(String) : [];
  const freed = (await Promise.all(offered.map(async (member) => ((await clearMarksOfCall(member, callSid)) ? member : undefined)))).filter((member): member is string => member !== undefined);
  const group = typeof item.lineGroup === 'string' ? item.lineGroup : undefined;
  let final = item;
  // Still in the line at the end: the caller hung up while waiting (unless someone had answered).
  if (group !== undefined && (await removeEntry(group, callSid))) {
    final = { ...item, lineLeftAt: item.lineLeftAt ?? now, ...(typeof item.answeredBy === 'string' ? {} : { abandoned: item.abandoned ?? 'waiting' }) };
  }
  const duration = param(webhook, 'CallDuration');
  const record = await finishCall(callSid, final, eventSeconds(webhook), duration === undefined ? undefined : Number(duration));
  if (record !== undefined) logger.info('call ended', { callSid, outcome: record.outcome, answeredBy: record.answeredBy });
  await dispatchForMembers(freed, dispatcherOf(webhook));
  return emptyResponse();
}
