import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WaitingCaller, WaitingState } from '../routing/waiting-line.js';
import { CALL_STATE_TTL_SECONDS } from './call-store.js';
import { send, tableName } from './client.js';
import { writeIf } from './conditions.js';
import { ringingEndUpdate } from './presence-store.js';
import { keys, partitions } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The waiting lines (SPEC section 7): one item per waiting call under `LINE#<group>`, keyed by its
 * CallSid so that joining is idempotent (a repeated webhook finds its entry), ordered by `place`, a
 * per-group counter taken when the caller first joined, so a caller returned to the line keeps their
 * place. Every change of state is conditional on the entry's version.
 */

const PLACE_DIGITS = 12;

export function entryFromItem(item: StoredItem): WaitingCaller {
  const numbers = (name: string): number | undefined => (typeof item[name] === 'number' ? (item[name] as number) : undefined);
  const joinedAt = numbers('joinedAt') ?? 0;
  return {
    group: String(item.pk).slice(partitions.line('').length),
    callSid: String(item.sk),
    place: typeof item.place === 'string' ? item.place : ''.padStart(PLACE_DIGITS, '9'),
    from: typeof item.from === 'string' ? item.from : undefined,
    joinedAt,
    lastHeardAt: numbers('lastHeardAt') ?? joinedAt,
    state: (item.state as WaitingState | undefined) ?? 'waiting',
    offeredTo: Array.isArray(item.offeredTo) ? item.offeredTo.map(String) : [],
    tried: Array.isArray(item.tried) ? item.tried.map(String) : [],
    queueSid: typeof item.queueSid === 'string' ? item.queueSid : undefined,
    announced: numbers('announced'),
    waitedBefore: numbers('waitedBefore') ?? 0,
    holdMusic: typeof item.holdMusic === 'string' ? item.holdMusic : undefined,
    leaving: item.leaving === true,
    version: numbers('version') ?? 0,
  };
}

/** The line of a group (every entry, in no particular order: the routing core orders by place). */
export async function listLine(group: string): Promise<WaitingCaller[]> {
  const { Items } = await send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': partitions.line(group) }, ConsistentRead: true }));
  return (Items ?? []).map(entryFromItem);
}

/** One call's entry in a group's line, if it has one. */
export async function getEntry(group: string, callSid: string): Promise<WaitingCaller | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.lineEntry(group, callSid), ConsistentRead: true }));
  return Item === undefined ? undefined : entryFromItem(Item);
}

/** A call joins a line once: a repeated or simultaneous join finds the entry already there. */
const NOT_IN_LINE_YET = 'attribute_not_exists(pk)';

/**
 * A caller joins the line. The line's order is a counter per group, not a clock: two callers who join
 * within the same millisecond still get distinct, ordered places. `joined` is false when the call was
 * already in the line (a repeated webhook): its entry, and its place, stay as they were.
 */
export async function joinLine(group: string, callSid: string, from: string | undefined, holdMusic: string, now: number): Promise<{ entry: WaitingCaller; joined: boolean }> {
  const { Attributes } = await send(
    new UpdateCommand({ TableName: tableName, Key: keys.lineCounter(group), UpdateExpression: 'ADD joined :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' }),
  );
  const place = String(Number(Attributes?.joined ?? 0)).padStart(PLACE_DIGITS, '0');
  const item = { ...keys.lineEntry(group, callSid), place, from, joinedAt: now, lastHeardAt: now, state: 'joining', offeredTo: [], tried: [], waitedBefore: 0, holdMusic, version: 1, expiresAt: now + CALL_STATE_TTL_SECONDS };
  if (await writeIf({ Put: { TableName: tableName, Item: item, ConditionExpression: NOT_IN_LINE_YET } })) return { entry: entryFromItem(item), joined: true };
  const existing = await getEntry(group, callSid);
  return { entry: existing ?? entryFromItem(item), joined: false };
}

/** Optimistic concurrency: only the version we read may be changed. */
const VERSION_IS = 'attribute_exists(pk) AND version = :version';

export type EntryChange = {
  state?: WaitingState | undefined;
  offeredTo?: readonly string[] | undefined;
  tried?: readonly string[] | undefined;
  queueSid?: string | undefined;
  announced?: number | undefined;
  waitedBefore?: number | undefined;
  /** The caller was heard from (hold-music request, queue action): they are still there. */
  lastHeardAt?: number | undefined;
  leaving?: boolean | undefined;
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
    Key: keys.lineEntry(entry.group, entry.callSid),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ConditionExpression: VERSION_IS,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

/** Change an entry if nobody else did since we read it; the entry as written, or undefined when someone did. */
export async function changeEntry(entry: WaitingCaller, change: EntryChange): Promise<WaitingCaller | undefined> {
  if (!(await writeIf({ Update: entryUpdate(entry, change) }))) return undefined;
  const defined = Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined)) as Partial<WaitingCaller>;
  return { ...entry, ...defined, version: entry.version + 1 };
}

/** The caller left the line for good (answered, voicemail, hung up, removed by an administrator). */
export async function removeEntry(group: string, callSid: string): Promise<boolean> {
  return writeIf({ Delete: { TableName: tableName, Key: keys.lineEntry(group, callSid), ConditionExpression: 'attribute_exists(pk)' } });
}

/** Remove an entry found gone or silent, unless it changed since we read it (then it is alive). */
export async function removeStaleEntry(entry: WaitingCaller): Promise<boolean> {
  return writeIf({
    Delete: { TableName: tableName, Key: keys.lineEntry(entry.group, entry.callSid), ConditionExpression: VERSION_IS, ExpressionAttributeValues: { ':version': entry.version } },
  });
}

/**
 * DELETE /groups/{id}/line/{callSid}: an administrator removes a waiting caller; the members held by an
 * open offer to them are freed. False when the call is not in that line.
 */
export async function removeWaitingCaller(group: string, callSid: string): Promise<boolean> {
  const entry = await getEntry(group, callSid);
  if (entry === undefined || !(await removeEntry(group, callSid))) return false;
  await Promise.all(entry.offeredTo.map((member) => writeIf({ Update: ringingEndUpdate(member, callSid) })));
  return true;
}
