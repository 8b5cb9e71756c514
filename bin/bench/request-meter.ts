import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tableDefinition } from '../../functions/store/table-definition.js';

/**
 * Counts the DynamoDB requests of one piece of work (a webhook) and its sequential round trips, from
 * instrumentation on the store's one client: what `npm run bench` prints per webhook and what
 * test/handlers/round-trips.test.ts holds each webhook to. Counting, not timing, so the figures are
 * the same on any machine.
 *
 * Sequential round trips are the length of the longest chain of requests that waited for one another:
 * a request's depth is one more than the deepest request of the same work that had finished when it
 * started (it may have depended on that answer); requests sent side by side share a depth. The
 * latency slope (bin/bench/latency-proxy.ts: each request delayed by a fixed time) confirms the count.
 *
 * With `images` (installMeter's option), the meter also records what the capacity units of each
 * request depend on (bin/bench/units.ts): every item a write touches as it was before the request and
 * after it, and in full the items a read evaluated when its projection or filter kept some of them
 * out of its output. Those reads go through a second client the meter does not instrument, outside
 * the measurement: the requests counted and their depths stay those of the work itself (the work
 * only takes longer).
 */

/** One request as the meter saw it: the command and its input (for the capacity units), its depth. */
export type MeteredRequest = {
  readonly command: string;
  readonly input: unknown;
  readonly depth: number;
  /** The response (or error) came back: `output` when it succeeded. */
  output?: unknown;
  failed?: boolean;
  /** The name of the error it failed with (ConditionalCheckFailedException, TransactionCanceledException, ...). */
  error?: string;
  /** A TransactionCanceledException's reason code per action, in the request's order ('None': that action was fine). */
  cancellationReasons?: string[];
  /** With `images`: each item the request wrote or checked, before and after it. */
  images?: ItemImage[];
  /** With `images`: the items the read evaluated, in full, when its projection or filter hid some from `output`. */
  evaluated?: Item[];
};

export type Item = Record<string, unknown>;

/** One item a write touched (document form): as it was before the request and after it; undefined when there was none. */
export type ItemImage = { readonly table: string; readonly key: Item; before?: Item | undefined; after?: Item | undefined };

/** A client to read images with: not the instrumented one. */
export type ImageReader = Pick<DynamoDBDocumentClient, 'send'>;

export type MeterOptions = {
  /**
   * Record item images (see above): `true` reads them through a client made from the instrumented
   * client's own configuration (closed again by `images: false`); or the client to read them with.
   */
  images?: boolean | ImageReader;
};

export type Metered<T> = {
  readonly value: T;
  readonly requests: readonly MeteredRequest[];
  /** The longest chain of requests that waited for one another. */
  readonly roundTrips: number;
};

type Measurement = { requests: MeteredRequest[]; finishedDepth: number };

type Client = Pick<DynamoDBDocumentClient, 'middlewareStack'> & Partial<Pick<DynamoDBDocumentClient, 'config'>>;

const STATE = Symbol.for('queue-groups.bench.request-meter');

/** The image reader of an instrumented client, and whether the meter made it (and so closes it). */
type Images = { reader: ImageReader; owned: boolean };

type MeterState = { storage: AsyncLocalStorage<Measurement>; clients: WeakSet<object>; images?: WeakMap<object, Images> };

/** On globalThis: a test that reloads modules still meters through the one storage. */
function state(): MeterState & { images: WeakMap<object, Images> } {
  const holder = globalThis as typeof globalThis & { [STATE]?: MeterState };
  holder[STATE] ??= { storage: new AsyncLocalStorage<Measurement>(), clients: new WeakSet() };
  holder[STATE].images ??= new WeakMap();
  return holder[STATE] as MeterState & { images: WeakMap<object, Images> };
}

/** A second client on the instrumented one's endpoint, region and credentials, without its middleware. */
function readerFor(client: Client): ImageReader {
  const config = client.config;
  if (config === undefined)
    throw new Error('installMeter: `images: true` needs the client itself (with its config); pass a client to read images with instead');
  const base = new DynamoDBClient({
    region: config.region,
    credentials: config.credentials,
    ...(config.isCustomEndpoint && config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    maxAttempts: 3,
  });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}

function setImages(client: Client, option: boolean | ImageReader | undefined): void {
  if (option === undefined) return;
  const { images } = state();
  const current = images.get(client);
  if (current?.owned === true && option !== true && current.reader !== option)
    (current.reader as Partial<Pick<DynamoDBDocumentClient, 'destroy'>>).destroy?.();
  if (option === false) images.delete(client);
  else if (option === true) {
    // Images already read, by a client of the meter's or one given: kept.
    if (current === undefined) images.set(client, { reader: readerFor(client), owned: true });
  } else images.set(client, { reader: option, owned: false });
}

/** Whether the meter reads item images for this client (installMeter's `images`). */
export function readsImages(client: Client): boolean {
  return state().images.has(client);
}

/**
 * Instrument a document client once; requests outside `meter()` pass untouched. Called again, it only
 * changes the options (`images`).
 */
export function installMeter(client: Client, options: MeterOptions = {}): void {
  const { storage, clients, images } = state();
  setImages(client, options.images);
  if (clients.has(client)) return;
  clients.add(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const measurement = storage.getStore();
      if (measurement === undefined) return next(args);
      const request: MeteredRequest = {
        command: String(context.commandName ?? 'unknown'),
        input: args.input,
        depth: measurement.finishedDepth + 1,
      };
      measurement.requests.push(request);
      const reader = images.get(client)?.reader;
      const written = reader === undefined ? [] : writtenKeys(request.command, request.input);
      if (reader !== undefined && written.length > 0) {
        // An image that cannot be read is left out; the work goes on as it would unmetered.
        const before = await readItems(reader, written).catch(() => undefined);
        if (before !== undefined) request.images = written.map((key, index) => ({ ...key, before: before[index] }));
      }
      try {
        const result = await next(args);
        request.output = result.output;
        return result;
      } catch (error) {
        request.failed = true;
        request.error = error instanceof Error ? error.name : 'unknown';
        const reasons = (error as { CancellationReasons?: { Code?: string }[] } | undefined)?.CancellationReasons;
        if (Array.isArray(reasons)) request.cancellationReasons = reasons.map((reason) => reason.Code ?? 'None');
        throw error;
      } finally {
        if (reader !== undefined) await recordAfter(reader, request).catch(() => undefined);
        measurement.finishedDepth = Math.max(measurement.finishedDepth, request.depth);
      }
    },
    // `initialize`: once per command, not per retry, with the input as the store built it.
    { step: 'initialize', name: 'queueGroupsRequestMeter', override: true },
  );
}

// ---------------------------------------------------------------------------------------------
// Item images

type TableKey = { table: string; key: Item };

const record = (value: unknown): Item => (typeof value === 'object' && value !== null ? (value as Item) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The table's key of a whole item (the one table's key schema). */
function keyOf(item: Item): Item {
  const key: Item = { [tableDefinition.partitionKey]: item[tableDefinition.partitionKey] };
  if (tableDefinition.sortKey in item) key[tableDefinition.sortKey] = item[tableDefinition.sortKey];
  return key;
}

/** The items a write request puts, updates, deletes or checks, in the request's order. */
export function writtenKeys(command: string, input: unknown): TableKey[] {
  const body = record(input);
  const table = String(body.TableName ?? '');
  switch (command) {
    case 'PutItemCommand':
      return [{ table, key: keyOf(record(body.Item)) }];
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [{ table, key: record(body.Key) }];
    case 'TransactWriteItemsCommand':
      return list(body.TransactItems).map((entry) => {
        const action = record(entry);
        const [kind, detail] = Object.entries(action)[0] ?? ['', {}];
        const details = record(detail);
        return { table: String(details.TableName ?? ''), key: kind === 'Put' ? keyOf(record(details.Item)) : record(details.Key) };
      });
    case 'BatchWriteItemCommand':
      return Object.entries(record(body.RequestItems)).flatMap(([name, writes]) =>
        list(writes).map((write) => {
          const { PutRequest, DeleteRequest } = record(write);
          return {
            table: name,
            key: PutRequest === undefined ? record(record(DeleteRequest).Key) : keyOf(record(record(PutRequest).Item)),
          };
        }),
      );
    default:
      return [];
  }
}

const keyText = (table: string, key: Item): string =>
  JSON.stringify([table, String(key[tableDefinition.partitionKey]), String(key[tableDefinition.sortKey] ?? '')]);

/** The items at these keys now, strongly consistent, in the keys' order (undefined: no item). */
async function readItems(reader: ImageReader, wanted: readonly TableKey[]): Promise<(Item | undefined)[]> {
  const found = new Map<string, Item>();
  const unique = [...new Map(wanted.map((entry) => [keyText(entry.table, entry.key), entry])).values()];
  for (let start = 0; start < unique.length; start += 100) {
    const byTable = new Map<string, Item[]>();
    for (const { table, key } of unique.slice(start, start + 100)) byTable.set(table, [...(byTable.get(table) ?? []), key]);
    let pending: Record<string, { Keys: Item[]; ConsistentRead: true }> | undefined = Object.fromEntries(
      [...byTable].map(([table, keys]) => [table, { Keys: keys, ConsistentRead: true as const }]),
    );
    for (let attempt = 0; pending !== undefined && Object.keys(pending).length > 0 && attempt < 10; attempt += 1) {
      const result = await reader.send(new BatchGetCommand({ RequestItems: pending }));
      for (const [table, items] of Object.entries(result.Responses ?? {}))
        for (const item of items) found.set(keyText(table, keyOf(item)), item);
      pending = result.UnprocessedKeys as typeof pending;
    }
  }
  return wanted.map(({ table, key }) => found.get(keyText(table, key)));
}

/** Names and values of an expression, kept to those it uses (DynamoDB refuses unused ones). */
function usedBy(
  expression: string,
  names: unknown,
  values: unknown,
): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Item } {
  const tokens = new Set(expression.match(/[#:][A-Za-z0-9_]+/g) ?? []);
  const pick = (source: unknown): Item => Object.fromEntries(Object.entries(record(source)).filter(([token]) => tokens.has(token)));
  const usedNames = pick(names) as Record<string, string>;
  const usedValues = pick(values);
  return {
    ...(Object.keys(usedNames).length === 0 ? {} : { ExpressionAttributeNames: usedNames }),
    ...(Object.keys(usedValues).length === 0 ? {} : { ExpressionAttributeValues: usedValues }),
  };
}

/** A read whose output does not show every item it evaluated in full (a projection, a filter, a count). */
function hidesItems(body: Item): boolean {
  return (
    body.ProjectionExpression !== undefined ||
    body.AttributesToGet !== undefined ||
    body.FilterExpression !== undefined ||
    (body.Select !== undefined && body.Select !== 'ALL_ATTRIBUTES')
  );
}

/** After the request: the written items as they are now, and in full the items a read evaluated. */
async function recordAfter(reader: ImageReader, request: MeteredRequest): Promise<void> {
  const body = record(request.input);
  if (request.images !== undefined) {
    const after = await readItems(reader, request.images);
    request.images.forEach((image, index) => (image.after = after[index]));
    return;
  }
  if (request.failed === true) return;
  const output = record(request.output);
  if (request.command === 'GetItemCommand' && hidesItems(body)) {
    const [item] = await readItems(reader, [{ table: String(body.TableName ?? ''), key: record(body.Key) }]);
    request.evaluated = item === undefined ? [] : [item];
  } else if (
    request.command === 'BatchGetItemCommand' &&
    Object.values(record(body.RequestItems)).some((entry) => hidesItems(record(entry)))
  ) {
    const returned = Object.entries(record(output.Responses)).flatMap(([table, items]) =>
      list(items).map((item) => ({ table, key: keyOf(record(item)) })),
    );
    request.evaluated = (await readItems(reader, returned)).filter((item): item is Item => item !== undefined);
  } else if (request.command === 'QueryCommand' && hidesItems(body) && typeof body.KeyConditionExpression === 'string') {
    // The same page of the same partition, with nothing hidden: Limit counts the items evaluated.
    const page = await reader.send(
      new QueryCommand({
        TableName: String(body.TableName ?? ''),
        KeyConditionExpression: body.KeyConditionExpression,
        ...usedBy(body.KeyConditionExpression, body.ExpressionAttributeNames, body.ExpressionAttributeValues),
        ...(body.IndexName === undefined ? {} : { IndexName: String(body.IndexName) }),
        ...(body.ExclusiveStartKey === undefined ? {} : { ExclusiveStartKey: record(body.ExclusiveStartKey) }),
        ...(typeof body.Limit === 'number' ? { Limit: body.Limit } : {}),
        ...(typeof body.ScanIndexForward === 'boolean' ? { ScanIndexForward: body.ScanIndexForward } : {}),
        ConsistentRead: body.ConsistentRead === true,
      }),
    );
    request.evaluated = page.Items ?? [];
  }
}

/** Run `work` and return what it did to DynamoDB (through an instrumented client). */
export async function meter<T>(work: () => Promise<T>): Promise<Metered<T>> {
  const measurement: Measurement = { requests: [], finishedDepth: 0 };
  const value = await state().storage.run(measurement, work);
  return {
    value,
    requests: measurement.requests,
    roundTrips: measurement.requests.reduce((deepest, request) => Math.max(deepest, request.depth), 0),
  };
}
