import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '../commons/logger.js';
import { answeredUpdate, CALL_STATE_TTL_SECONDS, getCall } from '../store/call-store.js';
import { documentClient, tableName } from '../store/client.js';
import { keys } from '../store/keys.js';
import { busyEndUpdate, busyUpdate, clearRinging } from '../store/presence-store.js';
import { MAX_CALL_SECONDS } from '../twiml/dial-limits.js';
import { emptyResponse } from '../twiml/responses.js';
import { dispatchForMembers, dispatcherOf } from './waiting-line.js';
import { epochSeconds, eventSeconds, param, type VoiceWebhook } from './webhook.js';

/** Seconds a busy mark outlives the longest possible call, for callbacks that arrive late. */
export const BUSY_MARGIN_SECONDS = 300;

/**
 * Only a callback newer than every one seen for this leg counts: Twilio may repeat callbacks or
 * deliver them out of order (SequenceNumber), and neither may change a member's marks twice.
 */
const NEWER_THAN_SEEN = 'attribute_not_exists(lastSequence) OR lastSequence < :sequence';

function legGate(leg: string, member: string, parent: string, sequence: number, status: string, now: number) {
  return {
    TableName: tableName,
    Key: keys.leg(leg),
    UpdateExpression: 'SET lastSequence = :sequence, #status = :status, #member = :member, parentCall = :parent, expiresAt = :expires',
    ConditionExpression: NEWER_THAN_SEEN,
    ExpressionAttributeNames: { '#status': 'status', '#member': 'member' },
    ExpressionAttributeValues: { ':sequence': sequence, ':status': status, ':member': member, ':parent': parent, ':expires': now + CALL_STATE_TTL_SECONDS },
  };
}

/**
 * /voice/leg?m=<member>: a child leg's status callback (answered, completed). An answer makes the
 * member busy and records who answered the call; the end of an answered leg frees the member, who is
 * then offered the longest-waiting caller at once (SPEC sections 5 and 7).
 */
export async function leg(webhook: VoiceWebhook): Promise<string> {
  const member = webhook.query.m;
  const legSid = param(webhook, 'CallSid');
  const parent = param(webhook, 'ParentCallSid');
  const status = param(webhook, 'CallStatus') ?? '';
  const sequence = Number(param(webhook, 'SequenceNumber') ?? '0');
  if (member === undefined || legSid === undefined || parent === undefined || !Number.isFinite(sequence)) {
    logger.warn('leg callback without member, CallSid or ParentCallSid', { query: webhook.query, legSid, parent });
    return emptyResponse();
  }
  const now = epochSeconds(webhook);
  const gate = { Update: legGate(legSid, member, parent, sequence, status, now) };
  const effects =
    status === 'in-progress' || status === 'answered'
      ? [{ Update: busyUpdate(member, parent, legSid, now, now + MAX_CALL_SECONDS + BUSY_MARGIN_SECONDS) }, { Update: answeredUpdate(parent, member, eventSeconds(webhook)) }]
      : status === 'completed'
        ? [{ Update: busyEndUpdate(member, legSid) }]
        : [];
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: [gate, ...effects] }));
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (reasons[0]?.Code === 'ConditionalCheckFailed') {
      logger.info('repeated or out-of-order leg callback ignored', { legSid, sequence, status });
      return emptyResponse();
    }
    if (reasons[0]?.Code === 'TransactionConflict' || reasons.some((reason) => reason.Code === 'TransactionConflict')) throw error;
    // The busy mark belongs to another leg (or was already cleared): only record that we saw this one.
    try {
      await documentClient.send(new TransactWriteCommand({ TransactItems: [gate] }));
    } catch (again) {
      if (!(again instanceof TransactionCanceledException)) throw again;
    }
    return emptyResponse();
  }
  if (status === 'completed') await dispatchForMembers([member], dispatcherOf(webhook));
  if (status === 'in-progress' || status === 'answered') {
    // The first answer stops the other devices of the offer: their members are free again.
    const call = await getCall(parent);
    const others = call?.offeredMembers instanceof Set ? [...call.offeredMembers].map(String).filter((other) => other !== member) : [];
    const freed = (await Promise.all(others.map(async (other) => ((await clearRinging(other, parent)) ? other : undefined)))).filter((other): other is string => other !== undefined);
    await dispatchForMembers(freed, dispatcherOf(webhook));
  }
  return emptyResponse();
}
