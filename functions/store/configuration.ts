import { gunzipSync, gzipSync } from 'node:zlib';
import { BatchGetCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { currentSignal, outsideBudget } from '../commons/budget.js';
import { logger } from '../commons/logger.js';
import type { Group, Member, PhoneNumber, Schedule, Settings } from '../commons/schemas.js';
import { send, tableName } from './client.js';
import { writeIf } from './conditions.js';
import { keys, ownerFromString, partitions, type ExtensionOwner, type Key } from './keys.js';
import { groupFromItem, memberFromItem, numberFromItem, scheduleFromItem, settingsFromItem, type StoredItem } from './items.js';

/**
 * The configuration (numbers, groups, members, schedules with their overrides, settings, extensions), cached per function instance
 * (SPEC section 13). Every admin write bumps one version item in the same transaction as the change;
 * each webhook reads that version in the request it makes anyway (`readWithConfiguration`) and
 * reloads the configuration only when it moved. With the database unreachable the last configuration
 * this instance saw still answers callers (`cachedConfiguration`).
 */
export type Configuration = {
  readonly version: number;
  readonly members: ReadonlyMap<string, Member & { statusSince?: string; statusReason?: string }>;
  readonly groups: ReadonlyMap<string, Group>;
  readonly numbers: ReadonlyMap<string, PhoneNumber>;
  /** Opening hours; the override toggled by members is part of its schedule, so it travels with the rest. */
  readonly schedules: ReadonlyMap<string, Schedule>;
  readonly extensions: ReadonlyMap<string, ExtensionOwner>;
  readonly settings: Settings;
  /** The longest extension in use, for the greeting's <Gather numDigits>; 0 when none exists. */
  readonly longestExtension: number;
};

let cached: Configuration | undefined;

/** The configuration this instance last read, if any: what callers are served from during a fault. */
export function cachedConfiguration(): Configuration | undefined {
  return cached;
}

/** The items of one partition (with sort keys `between` two values, inclusive), following pages. */
export async function queryPartition(
  pk: string,
  options: { descending?: boolean; limit?: number; consistent?: boolean; between?: readonly [string, string] } = {},
): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: options.between === undefined ? 'pk = :pk' : 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(options.between === undefined ? {} : { ':from': options.between[0], ':to': options.between[1] }),
        },
        ScanIndexForward: options.descending !== true,
        ExclusiveStartKey: startKey,
        ConsistentRead: options.consistent === true,
        ...(options.limit === undefined ? {} : { Limit: options.limit - items.length }),
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && (options.limit === undefined || items.length < options.limit));
  return items;
}

/**
 * Many items by key in as few requests as BatchGetItem allows (100 keys), retrying unprocessed keys.
 * Consistent: the marks read here decide who is offered a call, and a stale "free" only costs a
 * failed condition later.
 */
export async function batchGet(keyList: readonly Key[]): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  for (let start = 0; start < keyList.length; start += 100) {
    let pending: Key[] | undefined = keyList.slice(start, start + 100);
    for (let attempt = 0; pending !== undefined && pending.length > 0; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(200, 25 * 2 ** attempt)));
      const result = await send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys as Key[] | undefined;
      if (attempt > 4 && pending !== undefined && pending.length > 0)
        throw new Error(`BatchGetItem left ${pending.length} keys unprocessed`);
    }
  }
  return items;
}

function versionFrom(item: StoredItem | undefined): number {
  return typeof item?.version === 'number' ? item.version : 0;
}

function isItem(item: StoredItem, key: Key): boolean {
  return item.pk === key.pk && item.sk === key.sk;
}

/** The stored items a configuration is made of. */
export type ConfigurationItems = {
  users: StoredItem[];
  groups: StoredItem[];
  numbers: StoredItem[];
  schedules: StoredItem[];
  extensions: StoredItem[];
  settings: StoredItem | undefined;
};

export async function readConfigurationItems(): Promise<ConfigurationItems> {
  const [users, groups, numbers, schedules, extensions, settings] = await Promise.all([
    queryPartition(partitions.users, { consistent: true }),
    queryPartition(partitions.groups, { consistent: true }),
    queryPartition(partitions.numbers, { consistent: true }),
    queryPartition(partitions.schedules, { consistent: true }),
    queryPartition(partitions.extensions, { consistent: true }),
    send(new GetCommand({ TableName: tableName, Key: keys.settings(), ConsistentRead: true })),
  ]);
  return { users, groups, numbers, schedules, extensions, settings: settings.Item };
}

/** The version item: the configuration's version, and whether an apply holds it (configuration-apply.ts). */
type VersionState = { version: number; applying: boolean };

function versionStateOf(item: StoredItem | undefined): VersionState {
  return { version: versionFrom(item), applying: item?.applying !== undefined };
}

async function readVersionState(): Promise<VersionState> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.configVersion(), ConsistentRead: true }));
  return versionStateOf(Item);
}

/** How often a load waits for an apply that holds the configuration when nothing whole is at hand. */
const APPLY_WAITS = 8;
const APPLY_WAIT_MS = 250;

/**
 * Read the whole configuration from its items. The version is read again after them: an apply that
 * began meanwhile (or any change) may have changed some items and not others, and such a mix is never
 * used; during an apply the snapshot or the cached configuration serves instead.
 */
async function loadConfiguration(version: number): Promise<Configuration> {
  let expected = version;
  for (let attempt = 0; ; attempt += 1) {
    const items = await readConfigurationItems();
    const now = await readVersionState();
    if (now.version === expected && !now.applying) return configurationFrom(expected, items);
    if (now.applying) {
      const whole = await wholeDuringApply(now.version);
      if (whole !== undefined) return whole;
      if (attempt >= APPLY_WAITS) throw new Error('the configuration is being applied and no whole configuration is at hand');
      await new Promise((resolve) => setTimeout(resolve, APPLY_WAIT_MS));
    }
    expected = now.version;
  }
}

/** While an apply holds the configuration: the snapshot of the version it started from, else the cached configuration. */
async function wholeDuringApply(version: number): Promise<Configuration | undefined> {
  const snapshot = await snapshotAt(version);
  if (snapshot === undefined && cached !== undefined)
    logger.warn('a configuration apply is in progress: serving the configuration this instance had', { version: cached.version });
  return snapshot ?? cached;
}

function configurationFrom(
  version: number,
  { users, groups, numbers, schedules, extensions, settings }: ConfigurationItems,
): Configuration {
  const extensionOwners = new Map<string, ExtensionOwner>();
  for (const item of extensions) {
    const owner = typeof item.owner === 'string' ? ownerFromString(item.owner) : undefined;
    if (owner !== undefined) extensionOwners.set(String(item.sk), owner);
  }
  const configuration: Configuration = {
    version,
    members: new Map(users.map(memberFromItem).map((member) => [member.id, member])),
    groups: new Map(groups.map(groupFromItem).map((group) => [group.id, group])),
    numbers: new Map(numbers.map(numberFromItem).map((number) => [number.number, number])),
    schedules: new Map(schedules.map(scheduleFromItem).map((schedule) => [schedule.id, schedule])),
    extensions: extensionOwners,
    settings: settingsFromItem(settings),
    longestExtension: [...extensionOwners.keys()].reduce((longest, digits) => Math.max(longest, digits.length), 0),
  };
  // A slower load must not replace a newer one.
  if (cached === undefined || cached.version <= version) cached = configuration;
  logger.info('configuration loaded', { version, members: configuration.members.size, groups: configuration.groups.size });
  return configuration;
}

/** The load in flight, shared by every webhook of this instance that needs the same version. */
let loading: { version: number; promise: Promise<Configuration> } | undefined;

/** Load a version once however many webhooks ask for it at the same moment (a burst after an admin write). */
/** The snapshot, if it is of `version`. */
async function snapshotAt(version: number): Promise<Configuration | undefined> {
  const { Item } = await send(new GetCommand({ TableName: tableName, Key: keys.configSnapshot(), ConsistentRead: true }));
  return Item !== undefined && versionFrom(Item) === version ? fromSnapshot(version, Item) : undefined;
}

/**
 * The configuration at `version`: from the snapshot the admin function wrote with the change (one
 * request), else from the items. `snapshotRead`: the caller read the snapshot already and it was not
 * of this version.
 */
function loadOnce(version: number, snapshotRead = false): Promise<Configuration> {
  if (loading?.version === version) return loading.promise;
  const load = async () => (snapshotRead ? undefined : await snapshotAt(version)) ?? (await loadConfiguration(version));
  const promise = outsideBudget(load).finally(() => {
    if (loading?.promise === promise) loading = undefined;
  });
  loading = { version, promise };
  return promise;
}

/** What one read of a webhook returns: the configuration, the items asked for, and the work done alongside. */
export type ConfigurationRead<A> = { configuration: Configuration; items: StoredItem[]; alongside: A | undefined };

/**
 * The current configuration and the items at `extra` (marks, the call, a line entry), in one request
 * when the cached configuration is current; `extra` may depend on the configuration, so it is asked
 * again with the fresh one when the version moved. `alongside` is other reading the decision needs
 * (the head of a waiting line: a Query, which BatchGetItem cannot do), started with the same
 * configuration in the same round trip.
 */
export async function readWithConfiguration<A = never>(
  extra: (configuration: Configuration | undefined) => readonly Key[],
  alongside?: (configuration: Configuration) => Promise<A> | undefined,
): Promise<ConfigurationRead<A>> {
  // The version was checked earlier in this same webhook: read only what is asked.
  const signal = currentSignal();
  const checked = signal === undefined ? undefined : checkedInRequest.get(signal);
  if (checked !== undefined) {
    const wanted = extra(checked);
    const [items, side] = await Promise.all([wanted.length === 0 ? [] : batchGet(wanted), alongside?.(checked)]);
    return { configuration: checked, items, alongside: side };
  }
  const result = await readFresh(extra, alongside);
  if (signal !== undefined) checkedInRequest.set(signal, result.configuration);
  return result;
}

/** The configuration each webhook (by its budget's signal) has already checked against the version. */
const checkedInRequest = new WeakMap<AbortSignal, Configuration>();

async function readFresh<A>(
  extra: (configuration: Configuration | undefined) => readonly Key[],
  alongside: ((configuration: Configuration) => Promise<A> | undefined) | undefined,
): Promise<ConfigurationRead<A>> {
  const known = cached;
  const keysWanted = extra(known);
  // A cold instance reads the configuration's snapshot with its version: one request instead of a load.
  const [items, sideWithKnown] = await Promise.all([
    batchGet([keys.configVersion(), ...(known === undefined ? [keys.configSnapshot()] : []), ...keysWanted]),
    known === undefined ? undefined : alongside?.(known),
  ]);
  const { version, applying } = versionStateOf(items.find((item) => isItem(item, keys.configVersion())));
  const snapshot = items.find((item) => isItem(item, keys.configSnapshot()));
  const others = items.filter((item) => item.pk !== partitions.config);
  if (known !== undefined && known.version === version) return { configuration: known, items: others, alongside: sideWithKnown };
  const configuration =
    (snapshot !== undefined && versionFrom(snapshot) === version ? fromSnapshot(version, snapshot) : undefined) ??
    // The items are changing under an apply: only a whole configuration will do.
    (applying ? await wholeDuringApply(version) : undefined) ??
    (await loadOnce(version, known === undefined));
  const again = extra(configuration);
  const same =
    again.length === keysWanted.length && again.every((key, index) => key.pk === keysWanted[index]?.pk && key.sk === keysWanted[index]?.sk);
  // What was read alongside with an outdated configuration is read again with the current one.
  const [itemsNow, side] = await Promise.all([same ? others : again.length === 0 ? [] : batchGet(again), alongside?.(configuration)]);
  return { configuration, items: itemsNow, alongside: side };
}

/**
 * A snapshot of the whole configuration in one item (`CONFIG`/`SNAPSHOT`), with the version it was read
 * at: a cold instance (a new Lambda container) reads it beside the version in its first request, so its
 * first webhook makes no more sequential round trips than a warm one's plus the read of the marks its
 * decision needs (SPEC 13: at most 3). The admin function writes it after each change (writeSnapshot);
 * a snapshot of another version is not used, the instance loads the configuration instead.
 */
function fromSnapshot(version: number, snapshot: StoredItem): Configuration | undefined {
  const data = snapshot.data;
  if (!(data instanceof Uint8Array)) return undefined;
  const items = JSON.parse(gunzipSync(data).toString('utf8')) as Partial<ConfigurationItems>;
  const configuration = configurationFrom(version, {
    users: items.users ?? [],
    groups: items.groups ?? [],
    numbers: items.numbers ?? [],
    schedules: items.schedules ?? [],
    extensions: items.extensions ?? [],
    settings: items.settings ?? undefined,
  });
  if (cached === undefined || cached.version <= version) cached = configuration;
  return configuration;
}

/**
 * Write the configuration's snapshot after a change (the admin function). The version is read before
 * and after the items; when it moved or an apply holds it, the items may be mixed and no snapshot is
 * written. A newer snapshot is never replaced.
 * Best effort: without a current snapshot a cold instance loads the configuration itself. A
 * configuration whose compressed JSON is larger than an item (400 KB) has no snapshot.
 */
export async function writeSnapshot(): Promise<void> {
  try {
    const { version } = await readVersionState();
    const items = await readConfigurationItems();
    // A change or an apply that began while the items were read may have left them mixed: no snapshot then.
    const after = await readVersionState();
    if (after.version !== version || after.applying) return;
    // Compressed JSON: the snapshot's write units (1 per KB) are a fifth of the items' own size, and
    // it is rewritten on every change. Sets (references) become arrays, which nobody reads from here.
    const data = gzipSync(JSON.stringify(items, (_key, value: unknown) => (value instanceof Set ? [...(value as Set<unknown>)] : value)));
    await writeIf({
      Put: {
        TableName: tableName,
        Item: { ...keys.configSnapshot(), version, data },
        ConditionExpression: 'attribute_not_exists(version) OR version < :version',
        ExpressionAttributeValues: { ':version': version },
      },
    });
  } catch (error) {
    logger.warn('the configuration snapshot was not written; cold instances load the configuration instead', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/** The current configuration (one request when the cache is current). */
export async function currentConfiguration(): Promise<Configuration> {
  return (await readWithConfiguration(() => [])).configuration;
}

/** Why an admin write is refused while an apply holds the configuration (configuration-apply.ts). */
export const APPLYING_REFUSAL =
  'a configuration apply is in progress (or one was interrupted: apply the file again); try again when it has finished';

/**
 * The update every admin write adds to its transaction: the configuration changed. Refused while an
 * apply holds the configuration, so no other change lands between its batches.
 */
export function configurationChanged() {
  return {
    TableName: tableName,
    Key: keys.configVersion(),
    UpdateExpression: 'ADD version :one',
    ConditionExpression: 'attribute_not_exists(applying)',
    ExpressionAttributeValues: { ':one': 1 },
  };
}
