import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WaitingCaller, WaitingState } from '../routing/waiting-line.js';
import { CALL_STATE_TTL_SECONDS } from './call-store.js';
import { send, tableName } from './client.js';
import { keys, partitions } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The waiting lines (SPEC section 7): one item per waiting caller under `LINE#<group>`, sorted by the
 * moment they first joined, so the line's order is the sort key's and a caller returned to the line
 * keeps their place. Every change of state is conditional on the entry's version.
 */

export function entryFromItem(item: StoredItem): WaitingCaller {
  const numbers = (name: string): number | undefined => (typeof item[name] === 'number' ? (item[name] as number) : undefined);
  return {
    group: String(item.pk).slice('LINE#'.length),
    sk: String(item.sk),
    callSid: String(item.callSid),
    from: typeof item.from === 'string' ? item.from : undefined,
    joinedAt: numbers('joinedAt') ?? 0,
    state: (item.state as WaitingState | undefined) ?? 'waiting',
    offeredTo: Array.isArray(item.offeredTo) ? item.offeredTo.map(String) : [],
    tried: Array.isArray(item.tried) ? item.tried.map(String) : [],
    queueSid: typeof item.queueSid === 'string' ? item.queueSid : undefined,
    announced: numbers('announced'),
    waitedBefore: numbers('waitedBefore') ?? 0,
    holdMusic: typeof item.holdMusic === 'string' ? item.holdMusic : undefined,
    version: numbers('version') ?? 0,
  };
}

/** The line of a group, longest-waiting first. */
export async function listLine(group: string): Promise<WaitingCaller[]> {
  const { Items } = await send(
    new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partitions.line(group) }, ConsistentRead: true }),
  );
  return (Items ?? []).map(entryFromItem);
}

/**
 * A caller joins the line. The line's order is a counter per group, not a clock: two callers who join
 * within the same millisecond still get distinct, ordered places.
 */
export async function joinLine(group: string, callSid: string, from: string | undefined, holdMusic: string, now: number): Promise<WaitingCaller> {
  const { Attributes } = await send(
    new UpdateCommand({ TableName: tableName, Key: keys.lineCounter(group), UpdateExpression: 'ADD joined :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' }),
  );
  const place = String(Number(Attributes?.joined ?? 0)).padStart(12, '0');
  const key = keys.lineEntry(group, place, callSid);
  const item = { ...key, callSid, from, joinedAt: now, state: 'joining', offeredTo: [], tried: [], waitedBefore: 0, holdMusic, version: 1, expiresAt: now + CALL_STATE_TTL_SECONDS };
  await send(new PutCommand({ TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  return entryFromItem(item);
}

/** Optimistic concurrency: only the version we read may be changed. */
const VERSION_IS = 'version = :version';

export type EntryChange = {
  state?: WaitingState;
  offeredTo?: readonly string[];
  tried?: readonly string[];
  queueSid?: string;
  announced?: number;
  waitedBefore?: number;
};

/** The update that moves an entry from the version read to `change`, for a transaction or alone. */
export function entryUpdate(entry: WaitingCaller, change: EntryChange) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':version': entry.version, ':next': entry.version + 1 };
  const sets = ['version = :next'];
  for (const [field, value] of Object.entries(change)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  return {
    TableName: tableName,
    Key: { pk: partitions.line(entry.group), sk: entry.sk },
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: `attribute_exists(pk) AND ${VERSION_IS}`,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

/** Change an entry if nobody else did since we read it; false when someone did. */
export async function changeEntry(entry: WaitingCaller, change: EntryChange): Promise<boolean> {
  try {
    await send(new UpdateCommand(entryUpdate(entry, change)));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** The caller left the line for good (answered, voicemail, hung up). */
export async function removeEntry(group: string, sk: string): Promise<void> {
  await send(new DeleteCommand({ TableName: tableName, Key: { pk: partitions.line(group), sk } }));
}
