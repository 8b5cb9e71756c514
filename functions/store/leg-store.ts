import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { answeredUpdate, CALL_STATE_TTL_SECONDS } from './call-store.js';
import { send, tableName } from './client.js';
import { writeIf, writeTogether } from './conditions.js';
import { LEG_ANSWERING } from '../twilio/vocabulary.js';
import { keys } from './keys.js';
import { busyEndUpdate, busyUpdate } from './presence-store.js';

/**
 * A child leg's status callbacks (SPEC section 5). One LEG item per leg keeps the last
 * `SequenceNumber` seen; a callback counts only if newer, in the same transaction as its effect on
 * the member's marks, so repeated or reordered callbacks change nothing.
 */
const NEWER_THAN_SEEN = 'attribute_not_exists(lastSequence) OR lastSequence < :sequence';

export type LegStatus = {
  leg: string;
  parent: string;
  member: string;
  sequence: number;
  status: string;
  /** The offering group's `wrapUpSeconds` (SPEC 15), kept on the busy mark so whoever ends it starts the wrap-up. */
  wrapUpSeconds?: number | undefined;
  /** The leg's own CallDuration on `completed`: how long the member talked. */
  durationSeconds?: number | undefined;
};

/** What became of a callback: applied, ignored as a repeat or out of order, or recorded without effect on marks. */
export type LegOutcome = 'applied' | 'stale' | 'recorded';

function legGate(callback: LegStatus, now: number) {
  return {
    TableName: tableName,
    Key: keys.leg(callback.leg),
    UpdateExpression: 'SET lastSequence = :sequence, #status = :status, #member = :member, parentCall = :parent, expiresAt = :expires',
    ConditionExpression: NEWER_THAN_SEEN,
    ExpressionAttributeNames: { '#status': 'status', '#member': 'member' },
    ExpressionAttributeValues: {
      ':sequence': callback.sequence,
      ':status': callback.status,
      ':member': callback.member,
      ':parent': callback.parent,
      ':expires': now + CALL_STATE_TTL_SECONDS,
    },
  };
}

/** A child leg is answered when it is in progress, and was answered when it completed (unanswered legs end as no-answer, busy, failed or canceled). */
const ANSWERED_LEG: ReadonlySet<string> = new Set([...LEG_ANSWERING, 'completed']);

/**
 * Answered: the member is busy until `busyUntil`, and the call was answered by them (at `answeredAt`,
 * the event's time). Completed: the member's busy mark goes, if it is still this leg's; a completed
 * leg was answered too, so the call counts as answered by them even when the answered callback came
 * late or never (SPEC section 13: the outcome uses every signal).
 */
export async function recordLegStatus(callback: LegStatus, now: number, busyUntil: number, answeredAt: number): Promise<LegOutcome> {
  const completed = callback.status === 'completed';
  const answered = ANSWERED_LEG.has(callback.status);
  // A leg that was never answered (no-answer, busy, failed, canceled) changes no mark: nothing to write.
  if (!answered) return 'recorded';
  const gate = { Update: legGate(callback, now) };
  const marks = completed
    ? [{ Update: busyEndUpdate(callback.member, callback.leg, now, callback.wrapUpSeconds) }]
    : [{ Update: busyUpdate(callback.member, callback.parent, callback.leg, now, busyUntil, callback.wrapUpSeconds) }];
  // Who answered is kept once (if_not_exists) and holds whatever the order of the callbacks: written
  // beside the gated transaction, which then has two items instead of three.
  const note = send(
    new UpdateCommand(
      answeredUpdate(callback.parent, callback.member, completed ? answeredAt - (callback.durationSeconds ?? 0) : answeredAt),
    ),
  );
  const [first] = await Promise.all([writeTogether([gate, ...marks]), note]);
  if (first.kind === 'written') return 'applied';
  if (first.failed.includes(0)) return 'stale';
  if (first.failed.length === 0) throw new Error(`leg callback ${callback.leg} collided with another write (transaction conflict)`);
  // The busy mark belongs to another leg (or was already cleared): record the callback alone.
  return (await writeIf({ Update: legGate(callback, now) })) ? 'recorded' : 'stale';
}
