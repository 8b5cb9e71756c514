import { updateIf } from './conditions.js';
import { tableName } from './client.js';
import { keys } from './keys.js';

/**
 * Twilio creates 1 call per second per account by default and queues the excess
 * (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource, "Calls beyond your
 * account's CPS limit will be queued"; https://www.twilio.com/docs/glossary/cps): callbacks, the only
 * calls the project creates, take turns anyway, so a burst never depends on Twilio's queue. One item
 * holds the next millisecond a call may be created. A creator takes the current second only when it is
 * free (one conditional write); otherwise it learns when the next one is and comes back then (a
 * wake-up). A queue of callbacks is paced, never dropped.
 */
export const CREATE_INTERVAL_MS = 1000;

/** Take the second starting now for a call; or, when it is taken, the epoch ms at which to try again. */
export async function takeCallSlot(nowMs: number): Promise<{ taken: true } | { taken: false; nextAtMs: number }> {
  const outcome = await updateIf({
    TableName: tableName,
    Key: keys.restPace(),
    UpdateExpression: 'SET nextAtMs = :next',
    ConditionExpression: 'attribute_not_exists(nextAtMs) OR nextAtMs <= :now',
    ExpressionAttributeValues: { ':next': nowMs + CREATE_INTERVAL_MS, ':now': nowMs },
  });
  if (outcome.written) return { taken: true };
  const next = outcome.item?.nextAtMs;
  return { taken: false, nextAtMs: typeof next === 'number' ? next : nowMs + CREATE_INTERVAL_MS };
}
