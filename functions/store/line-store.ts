import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Group } from '../commons/schemas.js';
import { paceAfterAnswer, type LinePace } from '../routing/estimated-wait.js';
import { CALLBACK_STATES, LEAVING_STATES, type WaitingCaller, type WaitingState } from '../routing/waiting-line.js';
import { CALL_STATE_TTL_SECONDS, getCall, noteWaiting, callbackRequestedUpdate, type CallStart } from './call-store.js';
import { send, tableName } from './client.js';
import { writeIf, writeTogether } from './conditions.js';
import { queryPartition } from './configuration.js';
import { ringingEndUpdate } from './presence-store.js';
import { recordEvents } from './ledger-store.js';
import { keys, partitions, type Key } from './keys.js';
import type { StoredItem } from './items.js';

/**
 * The waiting lines (SPEC section 7): one item per waiting call under `LINE#<group>`, its sort key
 * the caller's place: the moment they first joined (epoch ms, zero-padded) and their CallSid, so the
 * partition reads in line order and the head of a line is read without reading the rest (SPEC 13:
 * a hold-music request reads a bounded number of items whatever the line's length). Joining is one
 * write, no counter read first; the call's item keeps the place, so a repeated webhook finds its
 * entry and a caller returned to the line keeps their place. Every change of state is conditional
 * on the entry's version.
 */

const PLACE_MS_DIGITS = 13;

/** The place of a caller joining at `joinedAtMs`: the line's order, the CallSid breaking a tie. */
export function placeOf(joinedAtMs: number, callSid: string): string {
  return `${String(Math.max(0, Math.floor(joinedAtMs))).padStart(PLACE_MS_DIGITS, '0')}#${callSid}`;
}

export function entryFromItem(item: StoredItem): WaitingCaller {
  const numbers = (name: string): number | undefined => (typeof item[name] === 'number' ? (item[name] as number) : undefined);
  const joinedAt = numbers('joinedAt') ?? 0;
  const place = String(item.sk);
  return {
    group: String(item.pk).slice(partitions.line('').length),
    callSid: typeof item.callSid === 'string' ? item.callSid : place.slice(PLACE_MS_DIGITS + 1),
    place,
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
    calledNumber: typeof item.calledNumber === 'string' ? item.calledNumber : undefined,
    callbackNumber: typeof item.callbackNumber === 'string' ? item.callbackNumber : undefined,
    callbackAttempts: numbers('callbackAttempts') ?? 0,
    callbackNotBefore: numbers('callbackNotBefore'),
    leaving: item.leaving === true,
    version: numbers('version') ?? 0,
  };
}

/** The whole line of a group in line order (the admin API's live view). */
export async function listLine(group: string): Promise<WaitingCaller[]> {
  return (await queryPartition(partitions.line(group), { consistent: true })).map(entryFromItem);
}

/**
 * Entries read from the head of a line: enough to see every caller a free member could be offered.
 * Each open offer holds at least one member, so at most `members` entries ahead are offered; the
 * rest of the head is waiting callers. Bounded by the group's size, never by the line's length.
 */
export function lineHeadSize(group: Pick<Group, 'members'>): number {
  return 2 * group.members.length + 8;
}

/** The first entries of a group's line, in line order. */
export async function readLineHead(group: Pick<Group, 'id' | 'members'>): Promise<WaitingCaller[]> {
  const { Items } = await send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitions.line(group.id) },
      ConsistentRead: true,
      Limit: lineHeadSize(group),
    }),
  );
  return (Items ?? []).map(entryFromItem);
}

/** Positions beyond this are not counted (a caller that far back hears no position until it improves to it). */
export const POSITION_COUNT_LIMIT = 100;

/**
 * A caller's 1-based position among the callers ahead of them who have not left the line (nor fallen
 * silent since `heardSince`, epoch seconds); undefined
 * when more than POSITION_COUNT_LIMIT are ahead. Counts the entries ahead, reading at most that many
 * (eventually consistent: a position a moment old is good enough for an announcement).
 */
export async function positionOf(entry: Pick<WaitingCaller, 'group' | 'place'>, heardSince: number): Promise<number | undefined> {
  const { Count, LastEvaluatedKey } = await send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk < :place',
      // Callers who left (timed out) or are gone (silent, removed when the line's head is served) do not count.
      FilterExpression: `NOT (#state IN (${LEAVING_STATES.map((_, index) => `:gone${index}`).join(', ')})) AND lastHeardAt >= :heardSince`,
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: {
        ':pk': partitions.line(entry.group),
        ':place': entry.place,
        ...Object.fromEntries(LEAVING_STATES.map((state, index) => [`:gone${index}`, state])),
        ':heardSince': heardSince,
      },
      Select: 'COUNT',
      Limit: POSITION_COUNT_LIMIT,
    }),
  );
  return LastEvaluatedKey !== undefined ? undefined : (Count ?? 0) + 1;
}

/** The key of a caller's entry, to read it with other items in one request. */
export function lineEntryKey(group: string, place: string): Key {
  return keys.lineEntry(group, place);
}

/** A caller's entry among items read in a batch. */
export function entryFrom(items: readonly StoredItem[], group: string, place: string): WaitingCaller | undefined {
  const key = keys.lineEntry(group, place);
  const item = items.find((candidate) => candidate.pk === key.pk && candidate.sk === key.sk);
  return item === undefined ? undefined : entryFromItem(item);
}

/** One call's entry in a group's line, if it has one. */
export async function getEntry(group: string, place: string): Promise<WaitingCaller | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.lineEntry(group, place), ConsistentRead: true }));
  return Item === undefined ? undefined : entryFromItem(Item);
}

/** An entry is written once: a repeated or simultaneous join of the same place finds it there. */
const NOT_IN_LINE_YET = 'attribute_not_exists(pk)';

/** The new entry of a caller joining at `place`. */
export function newEntry(
  group: string,
  place: string,
  callSid: string,
  from: string | undefined,
  holdMusic: string,
  now: number,
  calledNumber?: string,
): WaitingCaller {
  return entryFromItem({
    ...keys.lineEntry(group, place),
    callSid,
    from,
    calledNumber,
    joinedAt: now,
    lastHeardAt: now,
    state: 'joining',
    offeredTo: [],
    tried: [],
    waitedBefore: 0,
    holdMusic,
    version: 1,
  });
}

/** The CallSid a place ends with. */
function callOfPlace(place: string): string {
  return place.slice(PLACE_MS_DIGITS + 1);
}

/**
 * Capacity (SPEC 16): a line with `maxCallers` keeps the set of its calls on one item. A join adds its
 * call in the same transaction as its entry, only while the set has room (or already holds the call: a
 * repeated webhook); every removal of an entry takes its call out (DELETE of a set element is
 * idempotent). A line without `maxCallers` has no such item: its removals' DELETE is refused at no
 * harm (`attribute_exists`).
 */
function callersJoinUpdate(group: string, callSid: string, maxCallers: number) {
  return {
    TableName: tableName,
    Key: keys.lineState(group),
    UpdateExpression: 'ADD callers :call',
    ConditionExpression: 'attribute_not_exists(callers) OR size(callers) < :max OR contains(callers, :sid)',
    ExpressionAttributeValues: { ':call': new Set([callSid]), ':max': maxCallers, ':sid': callSid },
  };
}

function callersLeaveUpdate(group: string, callSids: readonly string[]) {
  return {
    TableName: tableName,
    Key: keys.lineState(group),
    UpdateExpression: 'DELETE callers :calls',
    ConditionExpression: 'attribute_exists(callers)',
    ExpressionAttributeValues: { ':calls': new Set(callSids) },
  };
}

/** The calls a line's capacity counts (empty without `maxCallers`). */
async function countedCallers(group: string): Promise<string[]> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.lineState(group), ConsistentRead: true }));
  return Item?.callers instanceof Set ? [...(Item.callers as Set<string>)] : [];
}

/**
 * The line is full: before refusing, calls counted that have no entry any more (a removal whose
 * DELETE was lost) are taken out. True when that made room.
 */
async function madeRoom(group: string): Promise<boolean> {
  const [counted, line] = await Promise.all([countedCallers(group), listLine(group)]);
  const inLine = new Set(line.map((entry) => entry.callSid));
  const gone = counted.filter((callSid) => !inLine.has(callSid));
  if (gone.length === 0) return false;
  await writeIf({ Update: callersLeaveUpdate(group, gone) });
  return true;
}

/**
 * A caller joins the line: their entry, and their place on the call's item, written side by side
 * (one round trip). The call's item keeps the first place only: when two deliveries of the same
 * webhook join at once, the one whose place the call did not keep removes its own entry again. With
 * `maxCallers` the entry is written only while the line has room (`full`: nothing was written).
 */
export async function joinLine(entry: WaitingCaller, now: number, start?: CallStart): Promise<{ entry: WaitingCaller; joined: boolean }> {
  const outcome = await join(entry, now, start, undefined);
  if (outcome.full) throw new Error('a line without maxCallers is never full');
  return outcome;
}

/** `joinLine` into a line of at most `maxCallers` callers: `full` when it has no room (nothing written). */
export function joinLineWithin(
  entry: WaitingCaller,
  now: number,
  start: CallStart | undefined,
  maxCallers: number | undefined,
): Promise<{ entry: WaitingCaller; joined: boolean; full: false } | { full: true }> {
  return join(entry, now, start, maxCallers);
}

async function join(
  entry: WaitingCaller,
  now: number,
  start: CallStart | undefined,
  maxCallers: number | undefined,
): Promise<{ entry: WaitingCaller; joined: boolean; full: false } | { full: true }> {
  const item = {
    ...keys.lineEntry(entry.group, entry.place),
    callSid: entry.callSid,
    from: entry.from,
    joinedAt: entry.joinedAt,
    lastHeardAt: entry.lastHeardAt,
    state: entry.state,
    offeredTo: [],
    tried: [],
    waitedBefore: 0,
    holdMusic: entry.holdMusic,
    calledNumber: entry.calledNumber,
    version: entry.version,
    expiresAt: now + CALL_STATE_TTL_SECONDS,
  };
  const put = { TableName: tableName, Item: item, ConditionExpression: NOT_IN_LINE_YET };
  if (maxCallers !== undefined) {
    const join = () => writeTogether([{ Put: put }, { Update: callersJoinUpdate(entry.group, entry.callSid, maxCallers) }]);
    let outcome = await join();
    if (outcome.kind === 'refused' && outcome.failed.includes(1) && (await madeRoom(entry.group))) outcome = await join();
    if (outcome.kind === 'refused' && outcome.failed.includes(1) && !outcome.failed.includes(0)) return { full: true };
    if (outcome.kind === 'refused' && outcome.failed.length === 0)
      throw new Error(`joining line ${entry.group} collided with another write`);
  }
  const [, kept] = await Promise.all([
    maxCallers === undefined ? writeIf({ Put: put }) : undefined,
    noteWaiting(entry.callSid, entry.group, entry.place, entry.joinedAt, start),
    // The ledger (SPEC 17): the call waits in the group's line (once: a repeat writes the same key).
    recordEvents(entry.callSid, [{ event: { kind: 'waiting', at: now * 1000, group: entry.group } }]),
  ]);
  if (kept === entry.place) return { entry, joined: true, full: false };
  // The call is in the line at the place it kept: its count stays.
  await removeStaleEntry(entry);
  const existing = kept === undefined ? undefined : await getEntry(entry.group, kept);
  return { entry: existing ?? entry, joined: false, full: false };
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
  callbackNumber?: string | undefined;
  callbackAttempts?: number | undefined;
  callbackNotBefore?: number | undefined;
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
    Key: keys.lineEntry(entry.group, entry.place),
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

/**
 * The caller left the line for good (answered, voicemail, hung up, removed by an administrator).
 * `counted`: the line has `maxCallers`, so the call leaves its set too (side by side). A path that does
 * not know leaves it there; a full line's join takes such calls out (`madeRoom`).
 */
export async function removeEntry(group: string, place: string, counted = false): Promise<boolean> {
  const [removed] = await Promise.all([
    writeIf({ Delete: { TableName: tableName, Key: keys.lineEntry(group, place), ConditionExpression: 'attribute_exists(pk)' } }),
    counted ? writeIf({ Update: callersLeaveUpdate(group, [callOfPlace(place)]) }) : undefined,
  ]);
  return removed;
}

/** Remove an entry found gone or silent, unless it changed since we read it (then it is alive). */
export async function removeStaleEntry(entry: WaitingCaller, counted = false): Promise<boolean> {
  const removed = await writeIf({
    Delete: {
      TableName: tableName,
      Key: keys.lineEntry(entry.group, entry.place),
      ConditionExpression: VERSION_IS,
      ExpressionAttributeValues: { ':version': entry.version },
    },
  });
  if (removed && counted) await writeIf({ Update: callersLeaveUpdate(entry.group, [entry.callSid]) });
  return removed;
}

/**
 * DELETE /groups/{id}/line/{callSid}: an administrator removes a waiting caller; the members held by an
 * open offer to them are freed. False when the call is not in that line.
 */
export async function removeWaitingCaller(group: string, callSid: string): Promise<boolean> {
  const call = await getCall(callSid);
  const entry = call?.lineGroup === group && call.linePlace !== undefined ? await getEntry(group, call.linePlace) : undefined;
  if (entry === undefined || !(await removeEntry(group, entry.place))) return false;
  await Promise.all(entry.offeredTo.map((member) => writeIf({ Update: ringingEndUpdate(member, callSid) })));
  return true;
}

/**
 * The line's recent pace (SPEC 16, routing/estimated-wait.ts), on the line's state item. Read with a
 * hold-music request's other items when the group announces the estimated wait.
 */
export function paceFrom(items: readonly StoredItem[], group: string): LinePace {
  const key = keys.lineState(group);
  const item = items.find((candidate) => candidate.pk === key.pk && candidate.sk === key.sk);
  return {
    lastAnswerAt: typeof item?.lastAnswerAt === 'number' ? item.lastAnswerAt : undefined,
    intervals: Array.isArray(item?.intervals) ? item.intervals.filter((value): value is number => typeof value === 'number') : [],
  };
}

/**
 * A waiting caller who joined at `joinedAt` was answered at `now`: the pace moves on. Optimistic on
 * the pace's version; a conflict (two answers at the same moment) loses this sample, which an
 * estimate can spare.
 */
export async function recordLineAnswer(group: string, joinedAt: number, now: number): Promise<void> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.lineState(group), ConsistentRead: true }));
  const current = paceFrom(Item === undefined ? [] : [Item], group);
  const next = paceAfterAnswer(current, joinedAt, now);
  const version = typeof Item?.paceVersion === 'number' ? Item.paceVersion : undefined;
  await writeIf({
    Update: {
      TableName: tableName,
      Key: keys.lineState(group),
      UpdateExpression: 'SET lastAnswerAt = :at, intervals = :intervals, paceVersion = :next',
      ConditionExpression: version === undefined ? 'attribute_not_exists(paceVersion)' : 'paceVersion = :version',
      ExpressionAttributeValues: {
        ':at': next.lastAnswerAt,
        ':intervals': next.intervals,
        ':next': (version ?? 0) + 1,
        ...(version === undefined ? {} : { ':version': version }),
      },
    },
  });
}

/** The key of the line's state item, to read it with a webhook's other items. */
export function lineStateKey(group: string): Key {
  return keys.lineState(group);
}

/**
 * Callbacks (SPEC 16). A caller who asked to be called back keeps their entry (and place), now a
 * callback entry; one callback per caller number per group at a time (a CALLBACK item, written in the
 * same transaction, kept while the entry is). The call's item notes the request, so its end is not
 * an abandonment.
 */
export async function bookCallback(entry: WaitingCaller, number: string, now: number): Promise<'booked' | 'already-booked' | 'changed'> {
  const first = await tryBooking(entry, number, now);
  // A lock whose callback is gone (removed by hand, its group replaced) is no callback: taken over once.
  return first === 'already-booked' && (await releaseStaleLock(entry.group, number)) ? tryBooking(entry, number, now) : first;
}

/** The number's lock, when the callback it names no longer waits in the line: removed (true). */
async function releaseStaleLock(group: string, number: string): Promise<boolean> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.callback(group, number), ConsistentRead: true }));
  if (typeof Item?.place !== 'string' || typeof Item.callSid !== 'string') return false;
  const holder = await getEntry(group, Item.place);
  if (holder !== undefined && CALLBACK_STATES.includes(holder.state)) return false;
  return writeIf({
    Delete: {
      TableName: tableName,
      Key: keys.callback(group, number),
      ConditionExpression: 'callSid = :call',
      ExpressionAttributeValues: { ':call': Item.callSid },
    },
  });
}

async function tryBooking(entry: WaitingCaller, number: string, now: number): Promise<'booked' | 'already-booked' | 'changed'> {
  const outcome = await writeTogether([
    { Update: entryUpdate(entry, { state: 'callback', callbackNumber: number, callbackAttempts: 0, offeredTo: [] }) },
    {
      Put: {
        TableName: tableName,
        Item: {
          ...keys.callback(entry.group, number),
          callSid: entry.callSid,
          place: entry.place,
          expiresAt: now + CALL_STATE_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    { Update: callbackRequestedUpdate(entry.callSid, now) },
  ]);
  if (outcome.kind === 'written') return 'booked';
  if (outcome.failed.includes(1)) return 'already-booked';
  return 'changed';
}

/** A callback is over (the caller was reached, or every attempt failed): its entry and its number's lock go. */
export async function endCallback(entry: WaitingCaller, counted: boolean): Promise<boolean> {
  const [removed] = await Promise.all([
    removeEntry(entry.group, entry.place, counted),
    entry.callbackNumber === undefined
      ? undefined
      : send(new DeleteCommand({ TableName: tableName, Key: keys.callback(entry.group, entry.callbackNumber) })),
  ]);
  return removed;
}
