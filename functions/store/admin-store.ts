import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type {
  GroupDocument,
  MemberStatus,
  NumberDocument,
  ScheduleDocument,
  ScheduleOverride,
  Settings,
  UserDocument,
} from '../commons/schemas.js';
import { send, tableName } from './client.js';
import { ContentionError } from './errors.js';
import { keys, ownerToString, reference, type ExtensionOwner, type Key, type Reference } from './keys.js';
import { referencesOf, versionOf, type StoredItem } from './items.js';
import { APPLYING_REFUSAL, configurationChanged, writeSnapshot } from './configuration.js';
import { statusChangeUpdate } from './presence-store.js';
import { statusChangePut } from './report-store.js';
import {
  groupsNamedBy,
  groupsNamedByNumber,
  schedulesNamedBy,
  usersNamedBy,
  usersNamedByNumber,
  usersNamedBySchedule,
  type GroupReferences,
  type NumberReferences,
} from './references.js';

/**
 * Every admin write is one DynamoDB transaction: the document, the references it adds to or drops
 * from the members and groups it names, and its extension claim. Either all of it is written or, when
 * any condition fails, nothing is, and the failed condition becomes the reason the API reports.
 */

export type WriteOutcome = { kind: 'written'; created: boolean } | { kind: 'not-found' } | { kind: 'conflict'; reason: string };

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** One transaction item and what its failed condition means to the administrator. */
type Step = { item: TransactItem; onConditionFailed: (existing: StoredItem | undefined) => WriteOutcome | 'retry' };

/** A concurrent admin write changed the document since we read it: read again and recompute. */
const VERSION_UNCHANGED = 'version = :version';
const NOT_CREATED_YET = 'attribute_not_exists(pk)';
const EXISTS = 'attribute_exists(pk)';
/** Deleting something that a group or number still names is refused (SPEC section 10). */
const NOT_REFERENCED = 'attribute_not_exists(referencedBy)';
/** An extension belongs to one member or group; its owner may rewrite its own claim. */
const EXTENSION_FREE_OR_MINE = 'attribute_not_exists(pk) OR #owner = :owner';
const EXTENSION_MINE = '#owner = :owner';

const MAX_ATTEMPTS = 4;

async function readConsistent(key: Key): Promise<StoredItem | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
  return Item;
}

/** Run `build` (which reads what it needs) and its transaction, again on a concurrent change. */
async function transact(build: () => Promise<Step[] | WriteOutcome>, created: () => boolean): Promise<WriteOutcome> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const steps = await build();
    if (!Array.isArray(steps)) return steps;
    try {
      // The configuration version moves with the change, so every function's cache reloads it.
      await send(new TransactWriteCommand({ TransactItems: [...steps.map((step) => step.item), { Update: configurationChanged() }] }));
      // For the voice function's cold instances: the whole configuration in one item (configuration.ts).
      await writeSnapshot();
      return { kind: 'written', created: created() };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons.some((reason) => reason.Code === 'TransactionConflict')) continue;
      const failedIndex = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
      // The last item is the version's update: its condition fails only while an apply holds the configuration.
      if (failedIndex === steps.length) return { kind: 'conflict', reason: APPLYING_REFUSAL };
      const failed = steps[failedIndex];
      if (failed === undefined) throw error;
      const existing = reasons[failedIndex]?.Item;
      const outcome = failed.onConditionFailed(existing === undefined ? undefined : unmarshall(existing));
      if (outcome !== 'retry') return outcome;
    }
  }
  throw new ContentionError('the document kept changing while it was being written; try again');
}

function versionCondition(existing: StoredItem | undefined): { ConditionExpression: string; values: Record<string, unknown> } {
  return existing === undefined
    ? { ConditionExpression: NOT_CREATED_YET, values: {} }
    : { ConditionExpression: VERSION_UNCHANGED, values: { ':version': versionOf(existing) } };
}

/**
 * The document's fields as one update: present fields are set, absent optional fields removed, so the
 * bookkeeping attributes (`referencedBy`, `status`) written by other operations are left alone.
 */
function documentUpdate(
  key: Key,
  document: Record<string, unknown>,
  optional: readonly string[],
  existing: StoredItem | undefined,
  extraSet: Record<string, unknown> = {},
): TransactItem {
  const names: Record<string, string> = { '#version': 'version' };
  const values: Record<string, unknown> = { ':nextVersion': versionOf(existing) + 1 };
  const sets = ['#version = :nextVersion'];
  Object.entries({ ...document, ...extraSet })
    .filter(([, value]) => value !== undefined)
    .forEach(([field, value], index) => {
      names[`#f${index}`] = field;
      values[`:f${index}`] = value;
      sets.push(`#f${index} = :f${index}`);
    });
  const removes = optional
    .filter((field) => document[field] === undefined)
    .map((field, index) => {
      names[`#r${index}`] = field;
      return `#r${index}`;
    });
  const condition = versionCondition(existing);
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: condition.ConditionExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ...values, ...condition.values },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** The document step's condition failed: it was created or changed since we read it; read again. */
const readAgain = (): 'retry' => 'retry';

/** Claim `next` and release `previous` for `owner` (either may be absent or equal). */
function extensionSteps(owner: ExtensionOwner, previous: string | undefined, next: string | undefined): Step[] {
  const ownerValue = ownerToString(owner);
  const steps: Step[] = [];
  if (next !== undefined) {
    steps.push({
      item: {
        Put: {
          TableName: tableName,
          Item: { ...keys.extension(next), owner: ownerValue },
          ConditionExpression: EXTENSION_FREE_OR_MINE,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': ownerValue },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (existing) => ({
        kind: 'conflict',
        reason: `extension ${next} is already used by ${String(existing?.owner ?? 'another member or group')}`,
      }),
    });
  }
  if (previous !== undefined && previous !== next) {
    steps.push({
      item: {
        Delete: {
          TableName: tableName,
          Key: keys.extension(previous),
          ConditionExpression: EXTENSION_MINE,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': ownerValue },
        },
      },
      // Our claim moved under us: a concurrent write; read again.
      onConditionFailed: () => 'retry',
    });
  }
  return steps;
}

/** Add `ref` to (or drop it from) the `referencedBy` set of the member or group at `key`. */
function referenceStep(key: Key, ref: Reference, change: 'add' | 'drop', describe: string): Step {
  return {
    item: {
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: change === 'add' ? 'ADD referencedBy :ref' : 'DELETE referencedBy :ref',
        // Only a document that exists may be named; dropping a reference needs no condition.
        ...(change === 'add' ? { ConditionExpression: EXISTS } : {}),
        ExpressionAttributeValues: { ':ref': new Set([ref]) },
      },
    },
    onConditionFailed: () => ({ kind: 'conflict', reason: `${describe} does not exist` }),
  };
}

function referenceChanges(
  ref: Reference,
  keyOf: (id: string) => Key,
  kind: string,
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
): Step[] {
  return [
    ...[...after].filter((id) => !before.has(id)).map((id) => referenceStep(keyOf(id), ref, 'add', `${kind} ${id}`)),
    ...[...before].filter((id) => !after.has(id)).map((id) => referenceStep(keyOf(id), ref, 'drop', `${kind} ${id}`)),
  ];
}

function stringField(item: StoredItem | undefined, field: string): string | undefined {
  const value = item?.[field];
  return typeof value === 'string' ? value : undefined;
}

function deleteStep(key: Key, existing: StoredItem, what: string): Step {
  return {
    item: {
      Delete: {
        TableName: tableName,
        Key: key,
        ConditionExpression: `${VERSION_UNCHANGED} AND ${NOT_REFERENCED}`,
        ExpressionAttributeValues: { ':version': versionOf(existing) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    onConditionFailed: (current) => {
      if (current === undefined) return { kind: 'not-found' };
      const refs = referencesOf(current);
      if (refs.length > 0) return { kind: 'conflict', reason: `${what} is still referenced by ${refs.join(', ')}` };
      return 'retry';
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Members (users)

/** PUT /users/{id}: create or replace the document; status and references stay as they are. */
export async function putUser(id: string, document: UserDocument): Promise<WriteOutcome> {
  let created = false;
  return transact(
    async () => {
      const existing = await readConsistent(keys.user(id));
      created = existing === undefined;
      // A new member starts available; an existing member keeps the status they set.
      const update = documentUpdate(
        keys.user(id),
        { ...document },
        ['extension', 'mobile'],
        existing,
        created ? { status: 'available' } : {},
      );
      return [
        { item: update, onConditionFailed: readAgain },
        ...extensionSteps({ kind: 'user', id }, stringField(existing, 'extension'), document.extension),
        // A new member's first status, from which reports count their time available (SPEC 17).
        ...(created
          ? [{ item: { Put: statusChangePut(id, new Date().toISOString(), 'available') }, onConditionFailed: () => 'retry' as const }]
          : []),
      ];
    },
    () => created,
  );
}

/** DELETE /users/{id}: refused while any group names the member. */
export async function deleteUser(id: string): Promise<WriteOutcome> {
  return transact(
    async () => {
      const existing = await readConsistent(keys.user(id));
      if (existing === undefined) return { kind: 'not-found' };
      return [
        deleteStep(keys.user(id), existing, `user ${id}`),
        ...extensionSteps({ kind: 'user', id }, stringField(existing, 'extension'), undefined),
        // Marks of a deleted member must not carry over to a new member with the same id.
        { item: { Delete: { TableName: tableName, Key: keys.presence(id) } }, onConditionFailed: () => 'retry' },
      ];
    },
    () => false,
  );
}

/**
 * PUT /users/{id}/status: available or away; also the voice function's automatic away after missed
 * offers, with its `reason` (SPEC 15). Either way the member's run of misses starts again.
 */
export async function setUserStatus(id: string, status: MemberStatus, reason?: string): Promise<WriteOutcome> {
  return transact(
    async () => {
      const now = new Date().toISOString();
      return [
        {
          item: {
            Update: {
              TableName: tableName,
              Key: keys.user(id),
              UpdateExpression: `SET #status = :status, statusSince = :now${reason === undefined ? ' REMOVE statusReason' : ', statusReason = :reason'}`,
              ConditionExpression: EXISTS,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':status': status,
                ':now': now,
                ...(reason === undefined ? {} : { ':reason': reason }),
              },
            },
          },
          onConditionFailed: () => ({ kind: 'not-found' }),
        },
        { item: { Update: statusChangeUpdate(id) }, onConditionFailed: () => 'retry' },
        // Reports count each member's time available and away from these changes (SPEC 17).
        { item: { Put: statusChangePut(id, now, status) }, onConditionFailed: () => 'retry' },
      ];
    },
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// Groups

function storedGroupDocument(item: StoredItem | undefined): GroupReferences | undefined {
  if (item === undefined) return undefined;
  return {
    members: Array.isArray(item.members) ? item.members.map(String) : [],
    whenNobodyAnswers: item.whenNobodyAnswers as GroupDocument['whenNobodyAnswers'],
    whenClosed: item.whenClosed as GroupDocument['whenClosed'],
    schedule: stringField(item, 'schedule'),
  };
}

/** PUT /groups/{id}: the group, the references to its members and target group, its extension. */
export async function putGroup(id: string, document: GroupDocument): Promise<WriteOutcome> {
  let created = false;
  const ref = reference.group(id);
  return transact(
    async () => {
      const existing = await readConsistent(keys.group(id));
      created = existing === undefined;
      const before = storedGroupDocument(existing);
      return [
        {
          item: documentUpdate(keys.group(id), { ...document }, ['extension', 'schedule', 'whenClosed', 'awayAfterMisses'], existing),
          onConditionFailed: readAgain,
        },
        ...referenceChanges(ref, keys.user, 'member', usersNamedBy(before), usersNamedBy(document)),
        ...referenceChanges(ref, keys.group, 'group', groupsNamedBy(id, before), groupsNamedBy(id, document)),
        ...referenceChanges(ref, keys.schedule, 'schedule', schedulesNamedBy(before), schedulesNamedBy(document)),
        ...extensionSteps({ kind: 'group', id }, stringField(existing, 'extension'), document.extension),
      ];
    },
    () => created,
  );
}

/** DELETE /groups/{id}: refused while a number or another group names it; drops its own references. */
export async function deleteGroup(id: string): Promise<WriteOutcome> {
  const ref = reference.group(id);
  return transact(
    async () => {
      const existing = await readConsistent(keys.group(id));
      if (existing === undefined) return { kind: 'not-found' };
      const before = storedGroupDocument(existing);
      return [
        deleteStep(keys.group(id), existing, `group ${id}`),
        ...referenceChanges(ref, keys.user, 'member', usersNamedBy(before), new Set()),
        ...referenceChanges(ref, keys.group, 'group', groupsNamedBy(id, before), new Set()),
        ...referenceChanges(ref, keys.schedule, 'schedule', schedulesNamedBy(before), new Set()),
        // The group's evenly rotation on its members' PRESENCE items stays: it only orders offers of a group by that id.
        ...extensionSteps({ kind: 'group', id }, stringField(existing, 'extension'), undefined),
      ];
    },
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// Numbers

function storedNumberDocument(item: StoredItem | undefined): NumberReferences | undefined {
  if (item === undefined) return undefined;
  return {
    group: stringField(item, 'group'),
    schedule: stringField(item, 'schedule'),
    whenClosed: item.whenClosed as NumberDocument['whenClosed'],
  };
}

/** The references a number adds and drops: its group, its schedule, its whenClosed action's member or group. */
function numberReferenceChanges(ref: Reference, before: NumberReferences | undefined, after: NumberReferences | undefined): Step[] {
  return [
    ...referenceChanges(ref, keys.group, 'group', groupsNamedByNumber(before), groupsNamedByNumber(after)),
    ...referenceChanges(ref, keys.user, 'member', usersNamedByNumber(before), usersNamedByNumber(after)),
    ...referenceChanges(ref, keys.schedule, 'schedule', schedulesNamedBy(before), schedulesNamedBy(after)),
  ];
}

export async function putNumber(e164: string, document: NumberDocument): Promise<WriteOutcome> {
  let created = false;
  const ref = reference.number(e164);
  return transact(
    async () => {
      const existing = await readConsistent(keys.number(e164));
      created = existing === undefined;
      const before = storedNumberDocument(existing);
      return [
        {
          item: documentUpdate(
            keys.number(e164),
            { ...document },
            ['group', 'greeting', 'holdMusic', 'schedule', 'whenClosed', 'closedGreeting'],
            existing,
          ),
          onConditionFailed: readAgain,
        },
        ...numberReferenceChanges(ref, before, document),
      ];
    },
    () => created,
  );
}

export async function deleteNumber(e164: string): Promise<WriteOutcome> {
  const ref = reference.number(e164);
  return transact(
    async () => {
      const existing = await readConsistent(keys.number(e164));
      if (existing === undefined) return { kind: 'not-found' };
      return [
        deleteStep(keys.number(e164), existing, `number ${e164}`),
        ...numberReferenceChanges(ref, storedNumberDocument(existing), undefined),
      ];
    },
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// Schedules

function storedToggledBy(item: StoredItem | undefined): Pick<ScheduleDocument, 'toggledBy'> | undefined {
  return item === undefined ? undefined : { toggledBy: Array.isArray(item.toggledBy) ? item.toggledBy.map(String) : [] };
}

/** PUT /schedules/{id}: the schedule (its override too) and the references to the members who may toggle it. */
export async function putSchedule(id: string, document: ScheduleDocument): Promise<WriteOutcome> {
  let created = false;
  const ref = reference.schedule(id);
  return transact(
    async () => {
      const existing = await readConsistent(keys.schedule(id));
      created = existing === undefined;
      return [
        { item: documentUpdate(keys.schedule(id), { ...document }, ['override', 'toggledBy'], existing), onConditionFailed: readAgain },
        ...referenceChanges(ref, keys.user, 'member', usersNamedBySchedule(storedToggledBy(existing)), usersNamedBySchedule(document)),
      ];
    },
    () => created,
  );
}

/** DELETE /schedules/{id}: refused while a number or group names it. */
export async function deleteSchedule(id: string): Promise<WriteOutcome> {
  const ref = reference.schedule(id);
  return transact(
    async () => {
      const existing = await readConsistent(keys.schedule(id));
      if (existing === undefined) return { kind: 'not-found' };
      return [
        deleteStep(keys.schedule(id), existing, `schedule ${id}`),
        ...referenceChanges(ref, keys.user, 'member', usersNamedBySchedule(storedToggledBy(existing)), new Set()),
      ];
    },
    () => false,
  );
}

/**
 * The toggle code (SPEC section 14): new overrides for some schedules, in one transaction that bumps
 * the configuration's version like any admin write. Each schedule is written on the condition that it
 * has not changed since it was read here; `decide` sees the schedules as stored.
 */
export async function setScheduleOverrides(
  ids: readonly string[],
  decide: (
    stored: ReadonlyMap<string, StoredItem>,
  ) => readonly { readonly schedule: string; readonly override: ScheduleOverride | undefined }[] | WriteOutcome,
): Promise<WriteOutcome> {
  return transact(
    async () => {
      const stored = new Map<string, StoredItem>();
      for (const item of await Promise.all(ids.map((id) => readConsistent(keys.schedule(id)))))
        if (item !== undefined) stored.set(String(item.sk), item);
      const changes = decide(stored);
      if ('kind' in changes) return changes;
      return changes.flatMap(({ schedule, override }): Step[] => {
        const existing = stored.get(schedule);
        if (existing === undefined) return [];
        const condition = versionCondition(existing);
        return [
          {
            item: {
              Update: {
                TableName: tableName,
                Key: keys.schedule(schedule),
                UpdateExpression: `SET #version = :nextVersion ${override === undefined ? 'REMOVE #override' : ', #override = :override'}`,
                ConditionExpression: condition.ConditionExpression,
                ExpressionAttributeNames: { '#version': 'version', '#override': 'override' },
                ExpressionAttributeValues: {
                  ':nextVersion': versionOf(existing) + 1,
                  ...(override === undefined ? {} : { ':override': override }),
                  ...condition.values,
                },
              },
            },
            onConditionFailed: readAgain,
          },
        ];
      });
    },
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// Settings

export async function putSettings(settings: Settings): Promise<WriteOutcome> {
  return transact(
    async () => [{ item: { Put: { TableName: tableName, Item: { ...keys.settings(), ...settings } } }, onConditionFailed: readAgain }],
    () => false,
  );
}
