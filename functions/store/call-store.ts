import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf, writeTogether, type TransactItem } from './conditions.js';
import { eventUpdate, eventsFrom, readCallPartition } from './ledger-store.js';
import { longestWaitUpdate, memberTallyUpdate, tallyUpdate } from './report-store.js';
import { currentConfiguration, queryPartition } from './configuration.js';
import { send, tableName } from './client.js';
import { keys, partitions, type Key } from './keys.js';
import type { StoredItem } from './items.js';
import { recordOf, type CallOutcome, type CallRecord, type CallState } from '../routing/call-outcome.js';
import { tallyOf, type ReportSettings } from '../routing/report.js';
import { groupSteps, memberTallies, type LedgerEvent } from '../routing/ledger.js';

/** The thresholds of a group the call's end cannot look up (a group deleted since): the defaults. */
export const DEFAULT_REPORT_SETTINGS: ReportSettings = { serviceLevelSeconds: 20, shortAbandonSeconds: 5 };

export type { CallOutcome, CallRecord, CallState } from '../routing/call-outcome.js';

/**
 * A call's life (SPEC sections 5 and 10): the CALL item collects what happens while the call lasts
 * (offers, who answered, voicemail, waiting, abandonment); `/voice/status` turns it into one CALLLOG
 * entry, the outcome `GET /calls` lists.
 */

/** Call state is short-lived: DynamoDB's TTL removes it two days after the call started. */
export const CALL_STATE_TTL_SECONDS = 2 * 24 * 3600;

/** Incoming call: the call's item, once (a repeated webhook changes nothing). */
export function startCallUpdate(callSid: string, details: CallStart, now: number) {
  const values: Record<string, unknown> = { ':now': now, ':expires': now + CALL_STATE_TTL_SECONDS };
  const sets = ['startedAt = if_not_exists(startedAt, :now)', 'expiresAt = if_not_exists(expiresAt, :expires)'];
  for (const [field, value] of Object.entries(details)) {
    if (value === undefined) continue;
    values[`:${field}`] = value;
    sets.push(`#${field} = if_not_exists(#${field}, :${field})`);
  }
  const names = Object.fromEntries(
    Object.keys(details)
      .filter((field) => details[field as keyof typeof details] !== undefined)
      .map((field) => [`#${field}`, field]),
  );
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: `SET ${sets.join(', ')}`,
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: values,
  };
}

export async function startCall(callSid: string, details: CallStart, now: number): Promise<void> {
  await send(new UpdateCommand(startCallUpdate(callSid, details, now)));
}

/** What the incoming webhook knows of a call when it starts: kept on the call's item once. */
export type CallStart = { readonly from?: string | undefined; readonly to?: string | undefined; readonly group?: string | undefined };

/**
 * Offers record their members on the call, so its end can clear any mark left behind. The first
 * offer of a call also starts its item (`start`): one write where there were two.
 */
export function offeredUpdate(
  callSid: string,
  group: string,
  members: readonly string[],
  now: number,
  redirectedAtMs?: number,
  start: CallStart = {},
) {
  // A claim that moves the call by REST records the moment in the same update (one item, one operation).
  const redirected = redirectedAtMs === undefined ? '' : ', redirectedAtMs = :redirectedAtMs';
  const started = Object.entries(start).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: `ADD offeredMembers :members, groups :group SET startedAt = if_not_exists(startedAt, :now), expiresAt = if_not_exists(expiresAt, :expires)${redirected}${started.map(([field]) => `, #${field} = if_not_exists(#${field}, :start_${field})`).join('')}`,
    ...(started.length > 0 ? { ExpressionAttributeNames: Object.fromEntries(started.map(([field]) => [`#${field}`, field])) } : {}),
    ExpressionAttributeValues: {
      ':members': new Set(members),
      ':group': new Set([group]),
      ':now': now,
      ':expires': now + CALL_STATE_TTL_SECONDS,
      ...(redirectedAtMs === undefined ? {} : { ':redirectedAtMs': redirectedAtMs }),
      ...Object.fromEntries(started.map(([field, value]) => [`:start_${field}`, value])),
    },
  };
}

/** A member's device answered: the first answer is the call's. */
export function answeredUpdate(callSid: string, member: string, now: number) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression:
      'SET answeredBy = if_not_exists(answeredBy, :member), answeredAt = if_not_exists(answeredAt, :now), startedAt = if_not_exists(startedAt, :now), expiresAt = if_not_exists(expiresAt, :expires)',
    ExpressionAttributeValues: { ':member': member, ':now': now, ':expires': now + CALL_STATE_TTL_SECONDS },
  };
}

/** The <Dial>'s own status says the offer to `member` was answered (the leg's callback may be lost or late). */
export async function noteAnsweredBy(callSid: string, member: string, answeredAt: number): Promise<void> {
  await send(new UpdateCommand(answeredUpdate(callSid, member, answeredAt)));
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

/**
 * A picker took the call: it is answered by them, and about to be moved by us (one update: a
 * transaction may touch the call's item only once).
 */
export function pickedUpUpdate(callSid: string, picker: string, now: number, redirectedAtMs: number) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression:
      'SET answeredBy = if_not_exists(answeredBy, :member), answeredAt = if_not_exists(answeredAt, :now), startedAt = if_not_exists(startedAt, :now), expiresAt = if_not_exists(expiresAt, :expires), redirectedAtMs = :redirectedAtMs',
    ExpressionAttributeValues: {
      ':member': picker,
      ':now': now,
      ':expires': now + CALL_STATE_TTL_SECONDS,
      ':redirectedAtMs': redirectedAtMs,
    },
  };
}

/** Only the picker's own answer is taken back. */
const ANSWERED_BY_PICKER = 'answeredBy = :picker';

/** The caller could not be moved after all: the picker did not answer the call, and we did not move it. */
export function pickupUndoneUpdate(callSid: string, picker: string) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: 'REMOVE answeredBy, answeredAt, redirectedAtMs',
    ConditionExpression: ANSWERED_BY_PICKER,
    ExpressionAttributeValues: { ':picker': picker },
  };
}

export async function noteVoicemail(callSid: string): Promise<void> {
  await send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.call(callSid),
      UpdateExpression: 'SET voicemail = :yes',
      ExpressionAttributeValues: { ':yes': true },
    }),
  );
}

/** The caller hung up while an offer rang or while waiting; an answered call is never abandoned. */
export async function noteAbandoned(callSid: string, during: 'ringing' | 'waiting'): Promise<void> {
  await writeIf({
    Update: {
      TableName: tableName,
      Key: keys.call(callSid),
      UpdateExpression: 'SET abandoned = if_not_exists(abandoned, :during)',
      ConditionExpression: 'attribute_not_exists(answeredBy)',
      ExpressionAttributeValues: { ':during': during },
    },
  });
}

/** The caller asked to be called back and hangs up (SPEC 16): their call is not abandoned. */
export function callbackRequestedUpdate(callSid: string, now: number) {
  return {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: 'SET callbackRequested = :yes, lineLeftAt = if_not_exists(lineLeftAt, :now)',
    ExpressionAttributeValues: { ':yes': true, ':now': now },
  };
}

/**
 * A callback's own record in the call log (SPEC 16): whether the caller was reached, by whom, after
 * how many attempts. Keyed by the member's call, so a repeated webhook logs it once.
 */
export async function logCallback(record: CallRecord & { callbackFor: string; attempts: number }): Promise<void> {
  // The waiting caller's story ends with their callback (the ledger of the call that asked for it).
  const told: LedgerEvent = {
    kind: 'callback',
    at: Date.parse(record.endedAt),
    group: record.group ?? '-',
    member: record.answeredBy,
    reached: record.outcome === 'called-back',
    attempts: record.attempts,
  };
  await Promise.all([
    send(new UpdateCommand(eventUpdate(record.callbackFor, { event: told }))),
    ...logGroups(record).map((group) =>
      writeIf({
        Put: {
          TableName: tableName,
          Item: { ...keys.callLog(group, record.endedAt, record.callSid), ...record },
          ConditionExpression: NOT_LOGGED_YET,
        },
      }),
    ),
  ]);
}

/**
 * The caller joined a waiting line at `place`: kept on the call for its end and for a repeated
 * webhook. The first place stays; the place the call keeps is returned (another delivery of the same
 * webhook may have joined first).
 */
export async function noteWaiting(
  callSid: string,
  group: string,
  place: string,
  joinedAt: number,
  start?: CallStart,
): Promise<string | undefined> {
  // The join may be the call's first write (incoming into a busy line): it starts the item too.
  const started = start === undefined ? undefined : startCallUpdate(callSid, start, joinedAt);
  const { Attributes } = await send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.call(callSid),
      UpdateExpression: `SET lineGroup = if_not_exists(lineGroup, :lineGroup), linePlace = if_not_exists(linePlace, :linePlace), lineJoinedAt = if_not_exists(lineJoinedAt, :lineJoinedAt)${started === undefined ? '' : `, ${started.UpdateExpression.slice('SET '.length)}`}`,
      ...(started?.ExpressionAttributeNames === undefined ? {} : { ExpressionAttributeNames: started.ExpressionAttributeNames }),
      ExpressionAttributeValues: {
        ':lineGroup': group,
        ':linePlace': place,
        ':lineJoinedAt': joinedAt,
        ...started?.ExpressionAttributeValues,
      },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return typeof Attributes?.linePlace === 'string' ? Attributes.linePlace : undefined;
}

/** The caller left the line for good, having waited `waitedSeconds` by Twilio's QueueTime. */
export async function noteLeftLine(callSid: string, now: number, waitedSeconds: number): Promise<void> {
  await send(
    new UpdateCommand({
      TableName: tableName,
      Key: keys.call(callSid),
      UpdateExpression: 'SET lineLeftAt = if_not_exists(lineLeftAt, :now), waitedSeconds = :waited',
      ExpressionAttributeValues: { ':now': now, ':waited': waitedSeconds },
    }),
  );
}

function numberField(item: StoredItem, name: string): number | undefined {
  return typeof item[name] === 'number' ? (item[name] as number) : undefined;
}

function stringField(item: StoredItem, name: string): string | undefined {
  return typeof item[name] === 'string' ? (item[name] as string) : undefined;
}

const stringSet = (value: unknown): string[] => (value instanceof Set ? [...value].map(String).sort() : []);

function callStateFromItem(callSid: string, item: StoredItem): CallState {
  const abandoned = item.abandoned === 'ringing' || item.abandoned === 'waiting' ? item.abandoned : undefined;
  return {
    callSid,
    from: stringField(item, 'from'),
    to: stringField(item, 'to'),
    group: stringField(item, 'group'),
    groups: stringSet(item.groups),
    offeredMembers: stringSet(item.offeredMembers),
    answeredBy: stringField(item, 'answeredBy'),
    answeredAt: numberField(item, 'answeredAt'),
    startedAt: numberField(item, 'startedAt'),
    voicemail: item.voicemail === true,
    callbackRequested: item.callbackRequested === true,
    abandoned,
    lineGroup: stringField(item, 'lineGroup'),
    linePlace: stringField(item, 'linePlace'),
    lineJoinedAt: numberField(item, 'lineJoinedAt'),
    lineLeftAt: numberField(item, 'lineLeftAt'),
    waitedSeconds: numberField(item, 'waitedSeconds'),
    redirectedAtMs: numberField(item, 'redirectedAtMs'),
    finished: item.finished === true,
  };
}

/** The key of a call's item, to read it with other items in one request. */
export function callStateKey(callSid: string): Key {
  return keys.call(callSid);
}

/** A call's state among items read in a batch with other items; undefined when it has none. */
export function callStateFrom(items: readonly StoredItem[], callSid: string): CallState | undefined {
  const key = keys.call(callSid);
  const item = items.find((candidate) => candidate.pk === key.pk && candidate.sk === key.sk);
  return item === undefined ? undefined : callStateFromItem(callSid, item);
}

/** A call's state and its ledger events, in one query of its partition (the call's end reads both). */
export async function getCallWithLedger(callSid: string): Promise<{ call: CallState | undefined; events: LedgerEvent[] }> {
  const items = await readCallPartition(callSid);
  return { call: callStateFrom(items, callSid), events: eventsFrom(items) };
}

/** A call's state; undefined for a call this project never handled (or whose state expired). */
export async function getCall(callSid: string): Promise<CallState | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.call(callSid), ConsistentRead: true }));
  return Item === undefined ? undefined : callStateFromItem(callSid, Item);
}

/** A call ends once: the call's mark that it is finished, and each CALLLOG entry, are written only once. */
const NOT_FINISHED_YET = 'attribute_not_exists(finished)';
const NOT_LOGGED_YET = 'attribute_not_exists(pk)';

/** The groups whose call log lists a call: every group it visited, `undefined` when it reached none. */
function logGroups(record: CallRecord): (string | undefined)[] {
  return record.groups.length > 0 ? record.groups : [undefined];
}

/**
 * `/voice/status`: write the call's outcome; undefined when it was already written (a repeat). The
 * call read as finished writes nothing. Otherwise the finished mark and the report counters of every
 * group the call visited are written in one transaction (SPEC 17: a repeat counts nothing twice), and
 * the log entries and the buckets' longest waits beside it, each conditional (a repeated callback
 * carries Twilio's same Timestamp, so its entries have the same keys and are refused).
 */
export async function finishCall(
  call: CallState,
  now: number,
  durationSeconds: number | undefined,
  settingsOf: (group: string) => ReportSettings = () => DEFAULT_REPORT_SETTINGS,
  events: readonly LedgerEvent[] = [],
): Promise<CallRecord | undefined> {
  if (call.finished) return undefined;
  const { callSid } = call;
  const record = recordOf(call, now, durationSeconds);
  const marker = {
    TableName: tableName,
    Key: keys.call(callSid),
    UpdateExpression: 'SET finished = :yes',
    ConditionExpression: NOT_FINISHED_YET,
    ExpressionAttributeValues: { ':yes': true },
  };
  const ended: LedgerEvent = {
    kind: 'ended',
    at: now * 1000,
    outcome: record.outcome,
    durationSeconds: record.durationSeconds,
    answeredBy: record.answeredBy,
    answeredAfterSeconds: record.answeredAfterSeconds,
    waitedSeconds: record.waitedSeconds,
  };
  const ledger = [...events, ended];
  const counted = record.groups.map((group) => ({ group, ...tallyOf(record, settingsOf(group), groupSteps(ledger, group)) }));
  // The members' figures go to the same bucket as their group's, in the same transaction (SPEC 17).
  const members = [...memberTallies(ledger)].flatMap(([group, tallies]) =>
    [...tallies].map(([member, tally]) => memberTallyUpdate(group, member, record.startedAt, tally)),
  );
  const together: TransactItem[] = [
    { Update: marker },
    { Update: eventUpdate(callSid, { event: ended }) },
    ...counted.map(({ group, add }) => ({ Update: tallyUpdate(group, record.startedAt, add) })),
    ...members.map((update) => ({ Update: update })),
  ];
  // A transaction holds at most 100 items: a call offered to more members than that (it would take
  // many groups) has the rest of its member figures written beside, once the mark is written.
  const [first] = await Promise.all([
    writeOnce(together.slice(0, MAX_TRANSACTION_ITEMS)),
    ...logGroups(record).map((group) =>
      writeIf({
        Put: {
          TableName: tableName,
          Item: { ...keys.callLog(group, record.endedAt, callSid), ...record },
          ConditionExpression: NOT_LOGGED_YET,
        },
      }),
    ),
  ]);
  if (first)
    await Promise.all([
      ...counted.map(({ group, waitedSeconds }) =>
        waitedSeconds === undefined || waitedSeconds <= 0
          ? undefined
          : writeIf({ Update: longestWaitUpdate(group, record.startedAt, waitedSeconds) }),
      ),
      ...together
        .slice(MAX_TRANSACTION_ITEMS)
        .map((item) => ('Update' in item && item.Update !== undefined ? writeIf({ Update: item.Update }) : undefined)),
    ]);
  return first ? record : undefined;
}

/** DynamoDB's limit of items in one transaction. */
const MAX_TRANSACTION_ITEMS = 100;

/**
 * A transaction whose first item is the mark that it was done: false when the mark was there (a
 * repeat). A conflict with another transaction on the same items is tried once more.
 */
async function writeOnce(items: Parameters<typeof writeTogether>[0]): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const outcome = await writeTogether(items);
    if (outcome.kind === 'written') return true;
    if (outcome.failed.includes(0)) return false;
    if (!outcome.conflict) throw new Error('a counter update was refused without a condition failing');
  }
  throw new Error('the call end collided twice with another write to the same counters');
}

/** Without `since`, GET /calls looks back this many days (the log is kept per day). */
export const DEFAULT_CALL_LOG_DAYS = 31;
const DAY_MS = 24 * 3600 * 1000;

/** UTC days from `until` back to `since`, newest first. */
function daysBetween(since: string, until: string): string[] {
  const days: string[] = [];
  const first = Date.parse(`${since.slice(0, 10)}T00:00:00Z`);
  for (let day = Date.parse(`${until.slice(0, 10)}T00:00:00Z`); day >= first; day -= DAY_MS)
    days.push(new Date(day).toISOString().slice(0, 10));
  return days;
}

async function queryLogDay(pk: string, since: string, until: string, limit: number | undefined): Promise<CallRecord[]> {
  const items = await queryPartition(pk, { descending: true, ...(limit === undefined ? {} : { limit }), between: [since, `${until}~`] });
  return items.map(({ pk: _pk, sk: _sk, ...record }) => record as unknown as CallRecord);
}

/**
 * GET /calls: outcomes newest first, optionally of one group, within [since, until] (default: the
 * last DEFAULT_CALL_LOG_DAYS days). One query per group and day, newest day first, until `limit`.
 */
export async function listCalls(options: {
  group?: string;
  groups?: readonly string[];
  since?: string;
  until?: string;
  /** Only calls with this outcome. */
  outcome?: CallOutcome;
  limit: number;
}): Promise<CallRecord[]> {
  // Without a group every group's log is read (a deleted group's calls are no longer listed).
  const groups = options.groups ?? (options.group === undefined ? [...(await currentConfiguration()).groups.keys()] : []);
  // Twilio's clock (the call log's) may run a little ahead of ours: "until now" includes the next day.
  const until = options.until ?? new Date(Date.now() + DAY_MS).toISOString();
  const since = options.since ?? new Date(Date.parse(until) - DEFAULT_CALL_LOG_DAYS * DAY_MS).toISOString();
  const partitionsOf = (day: string): string[] =>
    (options.group === undefined ? [...groups, undefined] : [options.group]).map((group) => partitions.callLog(group, day));
  const records = new Map<string, CallRecord>();
  for (const day of daysBetween(since, until)) {
    // With an outcome, each day is read whole and filtered here: a Limit on the query would count the
    // calls of other outcomes too.
    const read = (pk: string) => queryLogDay(pk, since, until, options.outcome === undefined ? options.limit : undefined);
    const found = (await Promise.all(partitionsOf(day).map(read)))
      .flat()
      .filter((record) => options.outcome === undefined || record.outcome === options.outcome);
    for (const record of found.sort((a, b) => b.endedAt.localeCompare(a.endedAt)))
      if (!records.has(record.callSid)) records.set(record.callSid, record);
    if (records.size >= options.limit) break;
  }
  return [...records.values()].sort((a, b) => b.endedAt.localeCompare(a.endedAt)).slice(0, options.limit);
}
