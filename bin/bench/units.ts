import { tableDefinition } from '../../functions/store/table-definition.js';
import type { Item, ItemImage, MeteredRequest } from './request-meter.js';

/**
 * Read and write request units of metered DynamoDB requests (bin/bench/request-meter.ts), computed
 * from item sizes by DynamoDB's published rules: DynamoDB Local's ConsumedCapacity is not to be
 * trusted (it reports transactions wrongly), so the bench counts units itself. The rules and their
 * sources are in /tmp/decisions-units.md (merged into docs/decisions.md by the lead). In short:
 *
 * Item size (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * the sum over attributes of the UTF-8 length of the name plus the value's size: a string its UTF-8
 * bytes; a number about 1 byte per two significant digits plus 1 (exactly: numberSize); binary its
 * raw bytes; a boolean or
 * null 1 byte; a list or map 3 bytes plus its elements, each element 1 byte more (a map element's
 * name counts too); a set the sum of its elements.
 *
 * Units (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 * - GetItem, and each key of a BatchGetItem: the item's size rounded up to 4 KB, one read unit per
 *   4 KB strongly consistent, half eventually consistent; an item that does not exist costs as much as
 *   a 4 KB one. Unprocessed keys cost nothing.
 * - Query and Scan: the total size of the items evaluated (not only returned), rounded up to 4 KB once
 *   per request; at least one 4 KB unit even when nothing matched.
 * - TransactGetItems: two read units per item per 4 KB
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).
 * - PutItem, UpdateItem, DeleteItem: one write unit per 1 KB of the larger of the item before and
 *   after the request (a delete: the deleted item); at least one.
 * - A conditional write whose condition failed still consumes write units: the size of the item, the
 *   existing one or the new one it tried to write, whichever is larger; one for an item that does not
 *   exist. (An update's intended item is not known here; its existing item counts.)
 * - TransactWriteItems: two write units per item per 1 KB, ConditionCheck items too. A cancelled
 *   transaction is counted as if it ran: DynamoDB's pages state the prepare and commit writes of every
 *   item and make no exception for a cancellation (the upper reading; decisions note).
 * - Any other failed request (a timeout, a validation error) counts nothing: what it consumed, if
 *   anything, cannot be known from here.
 *
 * Without item images (installMeter's `images` option) the writes are counted from what the request
 * itself shows (a put's item, at least one unit per write): a lower bound.
 */
export const READ_UNIT_BYTES = 4 * 1024;
export const WRITE_UNIT_BYTES = 1024;

export type Units = { readUnits: number; writeUnits: number; byItemKind: Record<string, { read: number; write: number }> };

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');
const record = (value: unknown): Item => (typeof value === 'object' && value !== null ? (value as Item) : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/**
 * Bytes of a DynamoDB number given as text (`-12.50`, `1e+21`). The docs: "approximately 1 byte per
 * two significant digits, plus 1"; exactly, as DynamoDB Local counts (measured at the 1 KB write-unit
 * boundary): the digits in pairs aligned on the decimal point (`123.4` is 01 23 . 40), leading and
 * trailing 00 pairs dropped, 1 byte per pair, 1 more, and 1 more for a negative number.
 */
export function numberSize(text: string): number {
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (match === null) throw new TypeError(`not a number: ${text}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  let digits = `${whole}${fraction}`;
  // The decimal point's place in `digits`, moved by the exponent.
  let point = whole.length + Number(exponent);
  if (point < 0) {
    digits = `${'0'.repeat(-point)}${digits}`;
    point = 0;
  } else if (point > digits.length) digits = `${digits}${'0'.repeat(point - digits.length)}`;
  const integer = digits.slice(0, point);
  const decimals = digits.slice(point);
  const aligned = `${integer.length % 2 === 1 ? '0' : ''}${integer}${decimals}${decimals.length % 2 === 1 ? '0' : ''}`;
  const pairs = (aligned.match(/../g) ?? [])
    .join(' ')
    .replace(/^(00 ?)+/, '')
    .replace(/( ?00)+$/, '');
  if (pairs === '') return 1;
  return pairs.split(' ').length + 1 + (sign === '-' ? 1 : 0);
}

/** lib-dynamodb's NumberValue (a number kept as text), recognised without depending on one copy of the class. */
function numberValueText(value: object): string | undefined {
  const candidate = value as { value?: unknown; constructor?: { name?: string } };
  return candidate.constructor?.name === 'NumberValue' && typeof candidate.value === 'string' ? candidate.value : undefined;
}

/** Bytes of one value in document form (what the document client takes and returns). */
export function documentValueSize(value: unknown): number {
  if (value === null) return 1;
  switch (typeof value) {
    case 'string':
      return utf8(value);
    case 'number':
    case 'bigint':
      return numberSize(String(value));
    case 'boolean':
      return 1;
    case 'undefined':
      return 0;
    case 'object':
      break;
    default:
      throw new TypeError(`no DynamoDB size for a ${typeof value}`);
  }
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  const numberText = numberValueText(value);
  if (numberText !== undefined) return numberSize(numberText);
  // Sets: the sum of their elements (no overhead is documented for them).
  if (value instanceof Set) return [...(value as Set<unknown>)].reduce<number>((sum, element) => sum + documentValueSize(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce<number>((sum, element) => sum + 1 + documentValueSize(element), 0);
  if (value instanceof Map)
    return (
      3 +
      [...(value as Map<string, unknown>)].reduce<number>(
        (sum, [name, element]) => sum + 1 + utf8(String(name)) + documentValueSize(element),
        0,
      )
    );
  return (
    3 +
    Object.entries(value).reduce(
      (sum, [name, element]) => (element === undefined ? sum : sum + 1 + utf8(name) + documentValueSize(element)),
      0,
    )
  );
}

const ATTRIBUTE_TYPES = new Set(['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS']);

function binarySize(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  // Base64 on the wire: its raw bytes count.
  if (typeof value === 'string') return Buffer.from(value, 'base64').byteLength;
  return 0;
}

/** Bytes of one marshalled AttributeValue (`{ S: 'x' }`, `{ N: '1' }`, `{ M: {...} }`, ...). */
export function attributeValueSize(attribute: unknown): number {
  const [type, value] = Object.entries(record(attribute))[0] ?? ['', undefined];
  switch (type) {
    case 'S':
      return utf8(String(value));
    case 'N':
      return numberSize(String(value));
    case 'B':
      return binarySize(value);
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return list(value).reduce<number>((sum, element) => sum + utf8(String(element)), 0);
    case 'NS':
      return list(value).reduce<number>((sum, element) => sum + numberSize(String(element)), 0);
    case 'BS':
      return list(value).reduce<number>((sum, element) => sum + binarySize(element), 0);
    case 'L':
      return 3 + list(value).reduce<number>((sum, element) => sum + 1 + attributeValueSize(element), 0);
    case 'M':
      return 3 + Object.entries(record(value)).reduce((sum, [name, element]) => sum + 1 + utf8(name) + attributeValueSize(element), 0);
    default:
      throw new TypeError(`not an AttributeValue: ${JSON.stringify(attribute)}`);
  }
}

/** Whether every attribute of the item is a marshalled AttributeValue (`{ S: ... }`, ...). */
function isMarshalled(item: Item): boolean {
  const values = Object.values(item);
  return (
    values.length > 0 &&
    values.every((value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Set || value instanceof Uint8Array)
        return false;
      const types = Object.keys(value);
      return types.length === 1 && ATTRIBUTE_TYPES.has(types[0] ?? '');
    })
  );
}

/** An item's size in bytes by DynamoDB's rules, from its document form or its marshalled form (told apart by shape). */
export function itemSize(item: Item): number {
  const marshalled = isMarshalled(item);
  return Object.entries(item).reduce((sum, [name, value]) => {
    if (value === undefined) return sum;
    return sum + utf8(name) + (marshalled ? attributeValueSize(value) : documentValueSize(value));
  }, 0);
}

/** Read units for one item (or one query's items) of `bytes`: at least one 4 KB unit. */
export function readUnitsFor(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES)) * (consistent ? 1 : 0.5);
}

/** Write units for one item write of `bytes`: at least one 1 KB unit. */
export function writeUnitsFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_UNIT_BYTES));
}

/** An item's kind: its partition key up to the first '#' (PRESENCE, CALL, LEG, LINE, CONFIG, USER, ...). */
export function itemKind(key: Item): string {
  const partition = key[tableDefinition.partitionKey];
  return partition === undefined ? '(unknown)' : (String(partition).split('#')[0] ?? '(unknown)');
}

const sizeOf = (item: Item | undefined): number => (item === undefined ? 0 : itemSize(item));

/** Adds units to a tally (by item kind). */
class Tally {
  readonly units: Units = { readUnits: 0, writeUnits: 0, byItemKind: {} };

  add(kind: string, read: number, write: number): void {
    this.units.readUnits += read;
    this.units.writeUnits += write;
    const entry = (this.units.byItemKind[kind] ??= { read: 0, write: 0 });
    entry.read += read;
    entry.write += write;
  }
}

/** The key-condition value of the partition key in a Query (`pk = :pk` or `#p = :p`), for the kind of an empty result. */
function queriedPartition(body: Item): Item {
  const expression = typeof body.KeyConditionExpression === 'string' ? body.KeyConditionExpression : '';
  const names = record(body.ExpressionAttributeNames);
  const values = record(body.ExpressionAttributeValues);
  for (const [, name, token] of expression.matchAll(/([#A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
    const attribute = name?.startsWith('#') === true ? String(names[name]) : name;
    if (attribute === tableDefinition.partitionKey && token !== undefined) return { [tableDefinition.partitionKey]: values[token] };
  }
  return {};
}

const keyText = (key: Item): string =>
  JSON.stringify([String(key[tableDefinition.partitionKey]), String(key[tableDefinition.sortKey] ?? '')]);

/** The item a Put in `input` writes (a put's new item is known from the request itself). */
function putItemOf(command: string, action: Item): Item | undefined {
  if (command === 'PutItemCommand' || command === 'Put') return record(action.Item);
  return undefined;
}

/** Write units of one item write (the larger of before, after and a put's item). */
function itemWriteBytes(image: ItemImage | undefined, put: Item | undefined): number {
  return Math.max(sizeOf(image?.before), sizeOf(image?.after), sizeOf(put));
}

/** Units of one metered request, by item kind. */
export function unitsOfRequest(request: MeteredRequest): Units {
  const tally = new Tally();
  const body = record(request.input);
  const output = record(request.output);
  const failed = request.failed === true;
  switch (request.command) {
    case 'GetItemCommand': {
      if (failed) break;
      const item = request.evaluated?.[0] ?? (output.Item === undefined ? undefined : record(output.Item));
      tally.add(itemKind(record(body.Key)), readUnitsFor(sizeOf(item), body.ConsistentRead === true), 0);
      break;
    }
    case 'BatchGetItemCommand': {
      if (failed) break;
      const returned = new Map<string, Item>();
      for (const item of request.evaluated ?? Object.values(record(output.Responses)).flatMap((items) => list(items).map(record)))
        returned.set(keyText(item), item);
      for (const [table, entry] of Object.entries(record(body.RequestItems))) {
        const unprocessed = new Set(list(record(record(output.UnprocessedKeys)[table]).Keys).map((key) => keyText(record(key))));
        const consistent = record(entry).ConsistentRead === true;
        for (const key of list(record(entry).Keys).map(record)) {
          if (unprocessed.has(keyText(key))) continue;
          tally.add(itemKind(key), readUnitsFor(sizeOf(returned.get(keyText(key))), consistent), 0);
        }
      }
      break;
    }
    case 'QueryCommand':
    case 'ScanCommand': {
      if (failed) break;
      const items = request.evaluated ?? list(output.Items).map(record);
      const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
      const kind = request.command === 'QueryCommand' ? itemKind(items[0] ?? queriedPartition(body)) : '(scan)';
      tally.add(kind, readUnitsFor(bytes, body.ConsistentRead === true), 0);
      break;
    }
    case 'TransactGetItemsCommand': {
      if (failed) break;
      const responses = list(output.Responses).map((response) => record(response).Item);
      list(body.TransactItems).forEach((entry, index) => {
        const get = record(record(entry).Get);
        const item =
          request.evaluated?.find((candidate) => keyText(candidate) === keyText(record(get.Key))) ??
          (responses[index] === undefined ? undefined : record(responses[index]));
        tally.add(itemKind(record(get.Key)), 2 * readUnitsFor(sizeOf(item), true), 0);
      });
      break;
    }
    case 'PutItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand': {
      // Counted when it ran, or when its condition failed (which consumes write units too).
      if (failed && request.error !== 'ConditionalCheckFailedException') break;
      const image = request.images?.[0];
      const put = putItemOf(request.command, body);
      const key = put === undefined ? record(body.Key) : put;
      tally.add(itemKind(key), 0, writeUnitsFor(itemWriteBytes(image, put)));
      break;
    }
    case 'TransactWriteItemsCommand': {
      // Counted when it ran, or when it was cancelled (see above).
      if (failed && request.error !== 'TransactionCanceledException') break;
      list(body.TransactItems).forEach((entry, index) => {
        const [action, detail] = Object.entries(record(entry))[0] ?? ['', {}];
        const details = record(detail);
        const put = putItemOf(action, details);
        const key = put === undefined ? record(details.Key) : put;
        tally.add(itemKind(key), 0, 2 * writeUnitsFor(itemWriteBytes(request.images?.[index], put)));
      });
      break;
    }
    case 'BatchWriteItemCommand': {
      if (failed) break;
      const unprocessed = new Set<string>();
      for (const writes of Object.values(record(output.UnprocessedItems))) {
        for (const write of list(writes).map(record)) {
          const put = record(write.PutRequest).Item;
          unprocessed.add(keyText(put === undefined ? record(record(write.DeleteRequest).Key) : record(put)));
        }
      }
      let index = 0;
      for (const writes of Object.values(record(body.RequestItems))) {
        for (const write of list(writes).map(record)) {
          const image = request.images?.[index];
          index += 1;
          const put = write.PutRequest === undefined ? undefined : record(record(write.PutRequest).Item);
          const key = put ?? record(record(write.DeleteRequest).Key);
          if (unprocessed.has(keyText(key))) continue;
          tally.add(itemKind(key), 0, writeUnitsFor(itemWriteBytes(image, put)));
        }
      }
      break;
    }
    default:
      // DescribeTable and other control-plane requests consume no request units.
      break;
  }
  return tally.units;
}

/** Read and write units of all the requests, and by item kind (the partition key's prefix). */
export function unitsOf(requests: readonly MeteredRequest[]): Units {
  const total = new Tally();
  for (const request of requests) {
    for (const [kind, units] of Object.entries(unitsOfRequest(request).byItemKind)) total.add(kind, units.read, units.write);
  }
  return total.units;
}
