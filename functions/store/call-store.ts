import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { send, tableName } from './client.js';
import { keys, partitions } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * A call's life (SPEC sections 5 and 10): the CALL item collects what happens while the call lasts
 * (offers, who answered, voicemail, waiting, abandonment); `/voice/status` turns it into one CALLLOG
 * entry, the outcome `GET /calls` lists.
 */

/** Call state is short-lived: DynamoDB's TTL removes it two days after the call started. */
export const CALL_STATE_TTL_SECONDS = 2 * 24 * 3600;

export type CallOutcome = 'answered' | 'missed' | 'voicemail' | 'abandoned-ringing' | 'abandoned-waiting';

export type CallRecord = {
  callSid: string;
  from: string | undefined;
  to: string | undefined;
  /** The number's group. */
  group: string | undefined;
  /** Every group that offered the call (forward-to-group, extensions). */
  groups: string[];
  outcome: CallOutcome;
  answeredBy: string | undefined;
  /** Seconds from the call's start until a member answered. */
  answeredAfterSeconds: number | undefined;
  /** Seconds the caller spent in the waiting line, if they waited. */
  waitedSeconds: number | undefined;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
};

const iso = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

/** Incoming call: the call's item, once (a repeated webhook changes nothing). */
export function startCallUpdate(callSid: string, details: { from?: string | undefined; to?: string | undefined; group?: string | undefined }, now: number) {
  const values: Record<string, unknown> = { ':now': now, ':expires': now + CALL_STATE_TTL_SECONDS };
  const sets = ['startedAt = if_not_exists(startedAt, :now)', 'expiresAt = if_not_exists(expiresAt, :expires)'];
  for (const [field, value] of Object.entries(details)) {
    if (value === undefined) continue;
    values[`:${field}`] = value;
    sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
  }
  const names = Object.fromEntries(Object.keys(details).filter((field) => details[field as keyof typeof details] !== undefined).map((field) => [`#${field}`, field]));
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

export async function startCall(callSid: string, details: { from?: string | undefined; to?: string | undefined; group?: string | undefined }, now: number): Promise<void> {
  await send(new UpdateCommand(startCallUpdate(callSid, details, now)));
}

/** Offers record their members on the call, so its end can clear any mark left behind. */
export function offeredUpdate(callSid: string, group: string, members: readonly string[], now: number) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: 'ADD offeredMembers :members, groups :group SET startedAt = if_not_exists(startedAt, :now), expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeValues: { ':members': new Set(members), ':group': new Set([group]), ':now': now, ':expires': now + CALL_STATE_TTL_SECONDS },
  };
}

/** A member's device answered: the first answer is the call's. */
export function answeredUpdate(callSid: string, member: string, now: number) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: 'SET answeredBy = if_not_exists(answeredBy, :member), answeredAt = if_not_exists(answeredAt, :now), startedAt = if_not_exists(startedAt, :now), expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeValues: { ':member': member, ':now': now, ':expires': now + CALL_STATE_TTL_SECONDS },
  };
}

/**
 * The project is about to move the call off whatever it runs (a REST redirect for a pickup or a
 * waiting-line offer). Twilio then requests the interrupted <Dial>'s action with
 * `DialCallStatus=canceled`; an offer made before this moment (epoch ms) knows that cancel is ours.
 */
export function redirectedUpdate(callSid: string, nowMs: number) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: 'SET redirectedAtMs = :nowMs',
    ExpressionAttributeValues: { ':nowMs': nowMs },
  };
}

export async function noteVoicemail(callSid: string): Promise<void> {
  await send(new UpdateCommand({ TableName: tableName, Key: keys.call(callSid), UpdateExpression: 'SET voicemail = :yes', ExpressionAttributeValues: { ':yes': true } }));
}

/** The caller hung up while an offer rang or while waiting; an answered call is never abandoned. */
export async function noteAbandoned(callSid: string, during: 'ringing' | 'waiting'): Promise<void> {
  try {
    await send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.call(callSid),
        UpdateExpression: 'SET abandoned = if_not_exists(abandoned, :during)',
        ConditionExpression: 'attribute_not_exists(answeredBy)',
        ExpressionAttributeValues: { ':during': during },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** The caller joined (or re-joined) a waiting line: where their entry is, kept for the call's end. */
export async function noteWaiting(callSid: string, group: string, entrySk: string, joinedAt: number): Promise<void> {
  await send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.call(callSid),
      UpdateExpression: 'SET lineGroup = :group, lineSk = :sk, lineJoinedAt = if_not_exists(lineJoinedAt, :joined)',
      ExpressionAttributeValues: { ':group': group, ':sk': entrySk, ':joined': joinedAt },
    }),
  );
}

/** The caller left the line for good, having waited `waitedSeconds` by Twilio's QueueTime. */
export async function noteLeftLine(callSid: string, now: number, waitedSeconds: number): Promise<void> {
  await send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.call(callSid),
      UpdateExpression: 'SET lineLeftAt = if_not_exists(lineLeftAt, :now), waitedSeconds = :waited REMOVE lineSk',
      ExpressionAttributeValues: { ':now': now, ':waited': waitedSeconds },
    }),
  );
}

export async function getCall(callSid: string): Promise<StoredItem | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.call(callSid), ConsistentRead: true }));
  return Item;
}

function numberField(item: StoredItem, name: string): number | undefined {
  return typeof item[name] === 'number' ? (item[name] as number) : undefined;
}

function stringField(item: StoredItem, name: string): string | undefined {
  return typeof item[name] === 'string' ? (item[name] as string) : undefined;
}

/** The outcome of a call from what its item recorded. */
export function outcomeOf(item: StoredItem): CallOutcome {
  if (typeof item.answeredBy === 'string') return 'answered';
  if (item.voicemail === true) return 'voicemail';
  if (item.abandoned === 'waiting') return 'abandoned-waiting';
  if (item.abandoned === 'ringing') return 'abandoned-ringing';
  return 'missed';
}

export function recordOf(callSid: string, item: StoredItem, now: number, durationSeconds: number | undefined): CallRecord {
  // Twilio's CallDuration and the end's Timestamp place the start on Twilio's clock, which is also
  // the clock of the answer's Timestamp.
  const startedAt = durationSeconds !== undefined && Number.isFinite(durationSeconds) ? now - durationSeconds : (numberField(item, 'startedAt') ?? now);
  const answeredAt = numberField(item, 'answeredAt');
  const joined = numberField(item, 'lineJoinedAt');
  const left = numberField(item, 'lineLeftAt') ?? now;
  return {
    callSid,
    from: stringField(item, 'from'),
    to: stringField(item, 'to'),
    group: stringField(item, 'group'),
    groups: [...new Set([...(stringField(item, 'group') === undefined ? [] : [String(item.group)]), ...(item.groups instanceof Set ? [...item.groups].map(String) : [])])].sort(),
    outcome: outcomeOf(item),
    answeredBy: stringField(item, 'answeredBy'),
    answeredAfterSeconds: answeredAt === undefined ? undefined : Math.max(0, Math.round(answeredAt - startedAt)),
    waitedSeconds: numberField(item, 'waitedSeconds') ?? (joined === undefined ? undefined : Math.max(0, Math.round(left - joined))),
    startedAt: iso(startedAt),
    endedAt: iso(now),
    durationSeconds: durationSeconds ?? Math.max(0, Math.round(now - startedAt)),
  };
}

/** A call ends once: the CALLLOG entry is written with the mark that the call is finished. */
const NOT_FINISHED_YET = 'attribute_not_exists(finished)';

/** `/voice/status`: write the call's outcome; undefined when it was already written (a repeat). */
export async function finishCall(callSid: string, item: StoredItem, now: number, durationSeconds: number | undefined): Promise<CallRecord | undefined> {
  const record = recordOf(callSid, item, now, durationSeconds);
  try {
    await send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: keys.call(callSid),
              UpdateExpression: 'SET finished = :yes',
              ConditionExpression: NOT_FINISHED_YET,
              ExpressionAttributeValues: { ':yes': true },
            },
          },
          { Put: { TableName: tableName, Item: { ...keys.callLog(record.endedAt, callSid), ...record } } },
        ],
      }),
    );
    return record;
  } catch (error) {
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return undefined;
    throw error;
  }
}

/** GET /calls: outcomes newest first, optionally of one group and within [since, until]. */
export async function listCalls(options: { group?: string; since?: string; until?: string; limit: number }): Promise<CallRecord[]> {
  const records: CallRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  const range = options.since !== undefined || options.until !== undefined;
  do {
    const page = await send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: range ? 'pk = :pk AND sk BETWEEN :since AND :until' : 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitions.callLog, ...(range ? { ':since': options.since ?? '0000', ':until': `${options.until ?? '9999'}~` } : {}) },
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const record = item as unknown as CallRecord;
      if (options.group === undefined || record.groups.includes(options.group)) records.push(record);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && records.length < options.limit);
  return records.slice(0, options.limit).map(({ ...record }) => {
    const clean = { ...record } as CallRecord & { pk?: unknown; sk?: unknown };
    delete clean.pk;
    delete clean.sk;
    return clean;
  });
}
