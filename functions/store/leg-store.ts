import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { answeredUpdate, CALL_STATE_TTL_SECONDS } from './call-store.js';
import { send, tableName } from './client.js';
import { keys } from './keys.js';
import { busyEndUpdate, busyUpdate } from './presence-store.js';

/**
 * A child leg's status callbacks (SPEC section 5). One LEG item per leg keeps the last
 * `SequenceNumber` seen; a callback counts only if newer, in the same transaction as its effect on
 * the member's marks, so repeated or reordered callbacks change nothing.
 */
const NEWER_THAN_SEEN = 'attribute_not_exists(lastSequence) OR lastSequence < :sequence';

export type LegStatus = { leg: string; parent: string; member: string; sequence: number; status: string };

/** What became of a callback: applied, ignored as a repeat or out of order, or recorded without effect. */
export type LegOutcome = 'applied' | 'stale' | 'recorded';

function legGate(callback: LegStatus, now: number) {
  return {
    TableName: tableName,
    Key: keys.leg(callback.leg),
    UpdateExpression: 'SET lastSequence = :sequence, #status = :status, #member = :member, parentCall = :parent, expiresAt = :expires',
    ConditionExpression: NEWER_THAN_SEEN,
    ExpressionAttributeNames: { '#status': 'status', '#member': 'member' },
    ExpressionAttributeValues: { ':sequence': callback.sequence, ':status': callback.status, ':member': callback.member, ':parent': callback.parent, ':expires': now + CALL_STATE_TTL_SECONDS },
  };
}

/**
 * Answered: the member is busy until `busyUntil`, and the call was answered by them (at `answeredAt`,
 * the event's time). Completed: the member's busy mark goes, if it is still this leg's.
 */
export async function recordLegStatus(callback: LegStatus, now: number, busyUntil: number, answeredAt: number): Promise<LegOutcome> {
  const gate = { Update: legGate(callback, now) };
  const answered = callback.status === 'in-progress' || callback.status === 'answered';
  const effects = answered
    ? [{ Update: busyUpdate(callback.member, callback.parent, callback.leg, now, busyUntil) }, { Update: answeredUpdate(callback.parent, callback.member, answeredAt) }]
    : callback.status === 'completed'
      ? [{ Update: busyEndUpdate(callback.member, callback.leg) }]
      : [];
  try {
    await send(new TransactWriteCommand({ TransactItems: [gate, ...effects] }));
    return 'applied';
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'stale';
    if (reasons.some((reason) => reason.Code === 'TransactionConflict')) throw error;
  }
  // The busy mark belongs to another leg (or was already cleared): only record that we saw this one.
  try {
    await send(new TransactWriteCommand({ TransactItems: [gate] }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
  }
  return 'recorded';
}
