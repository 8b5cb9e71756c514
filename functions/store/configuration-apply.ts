import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupDocument, Member, NumberDocument, Schedule, ScheduleDocument, Settings, UserDocument } from '../commons/schemas.js';
import { send, tableName } from './client.js';
import { updateIf } from './conditions.js';
import { readConfigurationItems, writeSnapshot } from './configuration.js';
import { groupFromItem, memberFromItem, numberFromItem, scheduleFromItem, settingsFromItem, versionOf, type StoredItem } from './items.js';
import { statusChangePut } from './report-store.js';
import { keys, ownerToString, reference, type Key } from './keys.js';
import {
  groupsNamedBy,
  groupsNamedByNumber,
  schedulesNamedBy,
  usersNamedBy,
  usersNamedByNumber,
  usersNamedBySchedule,
} from './references.js';

/**
 * Configuration as code: the whole configuration read at one version (export), and replaced as one
 * change however many items it touches (apply). DynamoDB's transactions hold 100 items, so a
 * larger change cannot be one transaction; instead the apply holds the configuration's version item
 * for its duration:
 *
 * 1. The snapshot of the current version is written (configuration.ts), so every webhook has the
 *    whole current configuration to use while the items change.
 * 2. The version item gets an `applying` marker, on the condition that the version is still the
 *    one the change was computed from and no other apply holds it. Every other admin write adds
 *    `attribute_not_exists(applying)` to its transaction, so none lands in between.
 * 3. The items are written in batches. A webhook that reads the version meanwhile sees the old
 *    version with the marker and keeps using the old configuration (its cache or the snapshot);
 *    a load from the items checks the version again after reading them (configuration.ts).
 * 4. One conditional update moves the version on and removes the marker: from that request on,
 *    every webhook reads the new configuration whole. Then the new snapshot is written.
 *
 * An apply that dies between 2 and 4 leaves the marker: webhooks keep the old configuration, other
 * admin writes are refused with the reason, and the next apply (the same file again) takes the
 * marker over once it is older than the longest an admin request runs, and writes everything.
 */

/** Longer than the admin function's timeout (29 s): a marker this old belongs to an apply that died. */
export const STALE_APPLY_MS = 120_000;

/** The whole configuration as stored: the members with their status, at one version. */
export type ConfigurationState = {
  readonly version: number;
  /** Set while an apply holds the configuration (or after one died). */
  readonly applyingSince: string | undefined;
  readonly members: readonly Member[];
  readonly groups: readonly (GroupDocument & { id: string })[];
  readonly numbers: readonly (NumberDocument & { number: string })[];
  readonly schedules: readonly Schedule[];
  readonly settings: Settings;
};

/** A whole configuration to put in place of the stored one. */
export type DesiredConfiguration = {
  readonly users: ReadonlyMap<string, UserDocument>;
  readonly groups: ReadonlyMap<string, GroupDocument>;
  readonly numbers: ReadonlyMap<string, NumberDocument>;
  readonly schedules: ReadonlyMap<string, ScheduleDocument>;
  readonly settings: Settings;
};

export type ApplyOutcome =
  | { kind: 'applied'; version: number; itemsWritten: number }
  | { kind: 'unchanged'; version: number }
  | { kind: 'conflict'; reason: string };

async function readVersionItem(): Promise<StoredItem | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.configVersion(), ConsistentRead: true }));
  return Item;
}

function applyingSinceOf(item: StoredItem | undefined): string | undefined {
  return typeof item?.applyingSince === 'string' && item.applying !== undefined ? item.applyingSince : undefined;
}

/** GET /configuration and the start of an apply: every document, read between two reads of the same version. */
export async function readConfigurationState(): Promise<ConfigurationState> {
  for (let attempt = 0; ; attempt += 1) {
    const before = await readVersionItem();
    const items = await readConfigurationItems();
    const after = await readVersionItem();
    // An admin write between the two version reads may have changed some of the items: read again.
    if (versionOf(before) !== versionOf(after) && attempt < 4) continue;
    return {
      version: versionOf(after),
      applyingSince: applyingSinceOf(after),
      members: items.users.map((item) => {
        const { statusSince: _since, statusReason: _reason, ...member } = memberFromItem(item);
        return member;
      }),
      groups: items.groups.map(groupFromItem),
      numbers: items.numbers.map(numberFromItem),
      schedules: items.schedules.map(scheduleFromItem),
      settings: settingsFromItem(items.settings),
    };
  }
}

type Write = { put: StoredItem } | { delete: Key };

/** Attributes a document item carries besides its document; kept as they are, or set by this module. */
const KEPT = ['status', 'statusSince', 'statusReason'] as const;

function withoutUndefined(document: object): StoredItem {
  return Object.fromEntries(Object.entries(document).filter(([, value]) => value !== undefined));
}

/** The item for a document, its references and kept attributes; its version moves only when it changes. */
function documentItem(key: Key, document: object, existing: StoredItem | undefined, extra: StoredItem): StoredItem {
  const kept = Object.fromEntries(KEPT.filter((name) => existing?.[name] !== undefined).map((name) => [name, existing?.[name]]));
  const item: StoredItem = { ...key, ...withoutUndefined(document), ...kept, ...extra };
  const { version: _version, ...existingFields } = existing ?? {};
  return { ...item, version: isDeepStrictEqual(item, existingFields) ? versionOf(existing) : versionOf(existing) + 1 };
}

function referencedBy(references: ReadonlySet<string> | undefined): StoredItem {
  // DynamoDB has no empty set: a document nobody names has no `referencedBy`.
  return references === undefined || references.size === 0 ? {} : { referencedBy: new Set(references) };
}

/** The writes that turn the stored items into the desired configuration; unchanged items are not written. */
function writesFor(desired: DesiredConfiguration, stored: Awaited<ReturnType<typeof readConfigurationItems>>): Write[] {
  const appliedAt = new Date().toISOString();
  const byKey = (items: StoredItem[]) => new Map(items.map((item) => [String(item.sk), item]));
  const users = byKey(stored.users);
  const groups = byKey(stored.groups);
  const numbers = byKey(stored.numbers);
  const schedules = byKey(stored.schedules);
  const extensions = byKey(stored.extensions);

  const userRefs = new Map<string, Set<string>>();
  const groupRefs = new Map<string, Set<string>>();
  const scheduleRefs = new Map<string, Set<string>>();
  const add = (refs: Map<string, Set<string>>, id: string, ref: string) => refs.set(id, (refs.get(id) ?? new Set()).add(ref));
  for (const [id, group] of desired.groups) {
    usersNamedBy(group).forEach((user) => add(userRefs, user, reference.group(id)));
    groupsNamedBy(id, group).forEach((other) => add(groupRefs, other, reference.group(id)));
    schedulesNamedBy(group).forEach((schedule) => add(scheduleRefs, schedule, reference.group(id)));
  }
  for (const [e164, number] of desired.numbers) {
    groupsNamedByNumber(number).forEach((group) => add(groupRefs, group, reference.number(e164)));
    usersNamedByNumber(number).forEach((user) => add(userRefs, user, reference.number(e164)));
    schedulesNamedBy(number).forEach((schedule) => add(scheduleRefs, schedule, reference.number(e164)));
  }
  for (const [id, schedule] of desired.schedules)
    usersNamedBySchedule(schedule).forEach((user) => add(userRefs, user, reference.schedule(id)));

  const wantedExtensions = new Map<string, string>();
  for (const [id, user] of desired.users)
    if (user.extension !== undefined) wantedExtensions.set(user.extension, ownerToString({ kind: 'user', id }));
  for (const [id, group] of desired.groups)
    if (group.extension !== undefined) wantedExtensions.set(group.extension, ownerToString({ kind: 'group', id }));

  const puts: StoredItem[] = [
    ...[...desired.users].map(([id, user]) => {
      const existing = users.get(id);
      // A new member starts available (as PUT /users does); an existing one keeps the status they set.
      return documentItem(keys.user(id), user, existing, {
        ...(existing === undefined ? { status: 'available' } : {}),
        ...referencedBy(userRefs.get(id)),
      });
    }),
    ...[...desired.groups].map(([id, group]) => documentItem(keys.group(id), group, groups.get(id), referencedBy(groupRefs.get(id)))),
    ...[...desired.numbers].map(([e164, number]) => documentItem(keys.number(e164), number, numbers.get(e164), {})),
    ...[...desired.schedules].map(([id, schedule]) =>
      documentItem(keys.schedule(id), schedule, schedules.get(id), referencedBy(scheduleRefs.get(id))),
    ),
    ...[...wantedExtensions].map(([digits, owner]) => ({ ...keys.extension(digits), owner })),
    { ...keys.settings(), ...withoutUndefined(desired.settings) },
    // A new member's first status, from which reports count their time available (SPEC 17).
    ...[...desired.users.keys()].filter((id) => !users.has(id)).map((id) => statusChangePut(id, appliedAt, 'available').Item),
  ];
  const existingByKey = new Map(
    [
      ...stored.users,
      ...stored.groups,
      ...stored.numbers,
      ...stored.schedules,
      ...stored.extensions,
      ...(stored.settings === undefined ? [] : [stored.settings]),
    ].map((item) => [`${String(item.pk)}/${String(item.sk)}`, item]),
  );
  const changed = puts.filter((item) => !isDeepStrictEqual(item, existingByKey.get(`${String(item.pk)}/${String(item.sk)}`)));
  const gone = (items: ReadonlyMap<string, StoredItem>, wanted: ReadonlyMap<string, unknown>): Key[] =>
    [...items.values()].filter((item) => !wanted.has(String(item.sk))).map((item) => ({ pk: String(item.pk), sk: String(item.sk) }));
  const deletedUsers = gone(users, desired.users);
  return [
    ...changed.map((item) => ({ put: item })),
    ...[
      ...deletedUsers,
      // A deleted member's ringing and busy marks must not carry over to a new member with that id.
      ...deletedUsers.map((key) => keys.presence(key.sk)),
      ...gone(groups, desired.groups),
      ...gone(numbers, desired.numbers),
      ...gone(schedules, desired.schedules),
      ...gone(extensions, wantedExtensions),
    ].map((key) => ({ delete: key })),
  ];
}

/** BatchWriteItem takes 25 requests; unprocessed ones are sent again. */
async function writeBatch(writes: readonly Write[]): Promise<void> {
  let pending = writes.map((write) => ('put' in write ? { PutRequest: { Item: write.put } } : { DeleteRequest: { Key: write.delete } }));
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
    if (attempt > 8) throw new Error(`BatchWriteItem left ${pending.length} writes unprocessed`);
    const result = await send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
  }
}

export type ApplyHooks = {
  /**
   * Called after each batch of writes while the marker is held: where a test plays a call in the
   * middle of an apply. Not used by the product.
   */
  readonly afterBatch?: (written: number, total: number) => Promise<void>;
  /** Items per batch (25, BatchWriteItem's most); tests make it smaller to stop more often. */
  readonly batchSize?: number;
};

/**
 * PUT /configuration: replace the stored configuration with `desired` (already validated as a whole),
 * provided it is still at `expectedVersion`, the one the administrator's diff was computed from.
 */
export async function applyConfiguration(
  desired: DesiredConfiguration,
  expectedVersion: number,
  hooks: ApplyHooks = {},
): Promise<ApplyOutcome> {
  const stored = await readConfigurationItems();
  const writes = writesFor(desired, stored);
  if (writes.length === 0) return { kind: 'unchanged', version: expectedVersion };

  // 1. Whatever a webhook may need while the items change: the current configuration in one item.
  await writeSnapshot();
  // 2. Hold the configuration.
  const token = randomUUID();
  const now = Date.now();
  const held = await updateIf({
    TableName: tableName,
    Key: keys.configVersion(),
    UpdateExpression: 'SET applying = :token, applyingSince = :since',
    ConditionExpression:
      '(attribute_not_exists(version) AND :expected = :zero OR version = :expected) AND (attribute_not_exists(applying) OR applyingSince < :stale)',
    ExpressionAttributeValues: {
      ':token': token,
      ':since': new Date(now).toISOString(),
      ':stale': new Date(now - STALE_APPLY_MS).toISOString(),
      ':expected': expectedVersion,
      ':zero': 0,
    },
  });
  if (!held.written) {
    const since = applyingSinceOf(held.item);
    return {
      kind: 'conflict',
      reason:
        since === undefined
          ? `the configuration changed since it was read (version ${expectedVersion}, now ${versionOf(held.item)}); read it again and apply again`
          : `another apply holds the configuration since ${since}; try again when it has finished`,
    };
  }
  // 3. The items, in batches.
  const size = Math.min(25, Math.max(1, hooks.batchSize ?? 25));
  for (let start = 0; start < writes.length; start += size) {
    // Past half the time after which another apply may take the marker over, this one stops writing,
    // so two applies never write at once; the marker stays and the next apply finishes the work.
    if (Date.now() - now > STALE_APPLY_MS / 2)
      return { kind: 'conflict', reason: 'the apply took too long and stopped; the previous configuration stays in use, apply again' };
    await writeBatch(writes.slice(start, start + size));
    await hooks.afterBatch?.(Math.min(start + size, writes.length), writes.length);
  }
  // 4. The new version, all at once.
  const committed = await updateIf({
    TableName: tableName,
    Key: keys.configVersion(),
    UpdateExpression: 'ADD version :one REMOVE applying, applyingSince',
    ConditionExpression: 'applying = :token',
    ExpressionAttributeValues: { ':token': token, ':one': 1 },
  });
  if (!committed.written)
    return { kind: 'conflict', reason: 'another apply took the configuration over (this one took too long); apply again' };
  await writeSnapshot();
  return { kind: 'applied', version: versionOf(committed.item), itemsWritten: writes.length };
}
