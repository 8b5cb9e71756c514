import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { installMeter, meter, type Item, type MeteredRequest } from '../../bin/bench/request-meter.js';
import { itemSize, numberSize, unitsOf, unitsOfRequest } from '../../bin/bench/units.js';
import { documentClient, tableName } from '../../functions/store/client.js';
import { admin, postVoice, put } from '../support/invoke.js';
import { createTestTable, tableSnapshot } from '../support/table.js';

const KB = 1024;

/** An item of exactly `bytes` bytes by DynamoDB's rules: pk (2 + 5), sk (2 + 1), d (1 + the rest). */
function itemOf(bytes: number, pk = 'TEST#1', sk = 'S'): Item {
  const fixed = 2 + pk.length + 2 + sk.length + 1;
  return { pk, sk, d: 'x'.repeat(Math.round(bytes) - fixed) };
}

const request = (fields: Partial<MeteredRequest> & Pick<MeteredRequest, 'command' | 'input'>): MeteredRequest => ({ depth: 1, ...fields });

describe('item size (CapacityUnitCalculations)', () => {
  it('counts names and values by type, the same in document and marshalled form', () => {
    expect(itemSize({ name: 'Anna' })).toBe(4 + 4);
    expect(itemSize({ n: 'Ä' })).toBe(1 + 2);
    expect(itemSize({ flag: true, none: null })).toBe(4 + 1 + 4 + 1);
    expect(itemSize({ b: new Uint8Array(10) })).toBe(1 + 10);
    // Lists and maps: 3 bytes, and 1 byte per element; a map element's name counts too.
    expect(itemSize({ l: [] })).toBe(1 + 3);
    expect(itemSize({ l: ['ab', 'c'] })).toBe(1 + 3 + (1 + 2) + (1 + 1));
    expect(itemSize({ m: { ab: 'c' } })).toBe(1 + 3 + (1 + 2 + 1));
    // Sets: the sum of their elements.
    expect(itemSize({ ss: new Set(['group:a', 'group:b']) })).toBe(2 + 7 + 7);
    const document: Item = {
      pk: 'CALL#CA1',
      sk: 'CALL',
      n: 1234.5,
      tags: new Set(['a', 'bb']),
      offers: [{ member: 'anna', at: 17 }],
      ok: false,
      gone: null,
      raw: new Uint8Array([1, 2, 3]),
    };
    expect(itemSize(marshall(document) as Item)).toBe(itemSize(document));
  });

  it('sizes numbers by their significant digits: 1 byte per two (paired on the decimal point), plus 1, plus 1 when negative', () => {
    // As DynamoDB Local counts them (scanned at the 1 KB write-unit boundary).
    const sizes: Record<string, number> = {
      '0': 1,
      '7': 2,
      '-7': 3,
      '12': 2,
      '123': 3,
      '1234': 3,
      '12345': 4,
      '12.5': 3,
      '-12.5': 4,
      '0.5': 2,
      '0.05': 2,
      '0.001': 2,
      '100': 2,
      '123.4': 4,
      '1764000000': 3,
      '1795746500338': 8,
      '-123456789012': 8,
      '1e+21': 2,
      '-0012.3400': 4,
    };
    for (const [text, size] of Object.entries(sizes)) expect(numberSize(text), text).toBe(size);
    expect(numberSize('9'.repeat(38))).toBe(20);
    expect(itemSize({ expiresAt: 1764000000 })).toBe(9 + 3);
  });
});

describe('units of requests, with the examples of read-write-operations.html', () => {
  it('GetItem: the item rounded up to 4 KB; strongly consistent one unit, eventually half; a missing item as a 4 KB one', () => {
    const get = (bytes: number | undefined, consistent: boolean): number =>
      unitsOfRequest(
        request({
          command: 'GetItemCommand',
          input: { TableName: 't', Key: { pk: 'TEST#1', sk: 'S' }, ConsistentRead: consistent },
          output: bytes === undefined ? {} : { Item: itemOf(bytes) },
        }),
      ).readUnits;
    expect(get(3.5 * KB, true)).toBe(1);
    expect(get(10 * KB, true)).toBe(3);
    expect(get(8 * KB, true)).toBe(2);
    expect(get(8 * KB, false)).toBe(1);
    expect(get(3.5 * KB, false)).toBe(0.5);
    expect(get(undefined, true)).toBe(1);
  });

  it('BatchGetItem: each item rounded up to 4 KB on its own (1.5 KB + 6.5 KB = 12 KB); unprocessed keys cost nothing', () => {
    const keys = [
      { pk: 'TEST#1', sk: 'S' },
      { pk: 'TEST#2', sk: 'S' },
      { pk: 'TEST#3', sk: 'S' },
    ];
    const units = unitsOfRequest(
      request({
        command: 'BatchGetItemCommand',
        input: { RequestItems: { t: { Keys: keys, ConsistentRead: true } } },
        output: { Responses: { t: [itemOf(1.5 * KB, 'TEST#1'), itemOf(6.5 * KB, 'TEST#2')] }, UnprocessedKeys: { t: { Keys: [keys[2]] } } },
      }),
    );
    expect(units.readUnits).toBe(3);
  });

  it('Query: the total size of the items read, rounded up to 4 KB once (40.8 KB: 11 units; 1500 items of 64 bytes: 24)', () => {
    const query = (items: Item[], consistent: boolean): number =>
      unitsOfRequest(
        request({
          command: 'QueryCommand',
          input: {
            TableName: 't',
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': 'TEST#1' },
            ConsistentRead: consistent,
          },
          output: { Items: items },
        }),
      ).readUnits;
    expect(
      query(
        Array.from({ length: 10 }, (_unused, index) => itemOf(4.08 * KB, 'TEST#1', `S${index}`)),
        true,
      ),
    ).toBe(11);
    expect(
      query(
        Array.from({ length: 1500 }, (_unused, index) => itemOf(64, 'TEST#1', String(index).padStart(4, '0'))),
        true,
      ),
    ).toBe(24);
    // Eventually consistent, 80 KB in all: 10 units.
    expect(
      query(
        Array.from({ length: 20 }, (_unused, index) => itemOf(4 * KB, 'TEST#1', `S${index}`)),
        false,
      ),
    ).toBe(10);
    expect(query([], true)).toBe(1);
    expect(
      unitsOfRequest(
        request({
          command: 'QueryCommand',
          input: {
            KeyConditionExpression: '#p = :v',
            ExpressionAttributeNames: { '#p': 'pk' },
            ExpressionAttributeValues: { ':v': 'LINE#g' },
          },
          output: { Items: [] },
        }),
      ).byItemKind,
    ).toEqual({ LINE: { read: 0.5, write: 0 } });
  });

  it('TransactGetItems: two units per 4 KB item (an 8 KB item: 4)', () => {
    const units = unitsOfRequest(
      request({
        command: 'TransactGetItemsCommand',
        input: { TransactItems: [{ Get: { TableName: 't', Key: { pk: 'TEST#1', sk: 'S' } } }] },
        output: { Responses: [{ Item: itemOf(8 * KB) }] },
      }),
    );
    expect(units.readUnits).toBe(4);
  });

  it('PutItem, UpdateItem, DeleteItem: the larger of before and after, rounded up to 1 KB (1.6 KB: 2 units; 500 bytes: 1)', () => {
    const put = (bytes: number, before?: number): number =>
      unitsOfRequest(
        request({
          command: 'PutItemCommand',
          input: { TableName: 't', Item: itemOf(bytes) },
          output: {},
          images: [
            { table: 't', key: { pk: 'TEST#1', sk: 'S' }, before: before === undefined ? undefined : itemOf(before), after: itemOf(bytes) },
          ],
        }),
      ).writeUnits;
    expect(put(1.6 * KB)).toBe(2);
    expect(put(500)).toBe(1);
    expect(put(500, 2.5 * KB)).toBe(3);
    const update = unitsOfRequest(
      request({
        command: 'UpdateItemCommand',
        input: { TableName: 't', Key: { pk: 'TEST#1', sk: 'S' } },
        output: {},
        images: [{ table: 't', key: { pk: 'TEST#1', sk: 'S' }, before: itemOf(1.5 * KB), after: itemOf(0.5 * KB) }],
      }),
    );
    expect(update.writeUnits).toBe(2);
    const deleted = unitsOfRequest(
      request({
        command: 'DeleteItemCommand',
        input: { TableName: 't', Key: { pk: 'TEST#1', sk: 'S' } },
        output: {},
        images: [{ table: 't', key: { pk: 'TEST#1', sk: 'S' }, before: itemOf(1.6 * KB), after: undefined }],
      }),
    );
    expect(deleted).toEqual({ readUnits: 0, writeUnits: 2, byItemKind: { TEST: { read: 0, write: 2 } } });
  });

  it('BatchWriteItem: each item rounded up to 1 KB on its own (500 bytes + 3.5 KB = 5 units)', () => {
    const units = unitsOfRequest(
      request({
        command: 'BatchWriteItemCommand',
        input: {
          RequestItems: { t: [{ PutRequest: { Item: itemOf(500, 'TEST#1') } }, { PutRequest: { Item: itemOf(3.5 * KB, 'TEST#2') } }] },
        },
        output: {},
      }),
    );
    expect(units.writeUnits).toBe(5);
  });

  it('a failed conditional write: the larger of the existing and the new item (300 KB and 310 KB: 310 units); 1 for a new item', () => {
    const failedPut = (bytes: number, existing?: number): number =>
      unitsOfRequest(
        request({
          command: 'PutItemCommand',
          input: { TableName: 't', Item: itemOf(bytes), ConditionExpression: 'attribute_not_exists(pk)' },
          failed: true,
          error: 'ConditionalCheckFailedException',
          images: [
            {
              table: 't',
              key: { pk: 'TEST#1', sk: 'S' },
              before: existing === undefined ? undefined : itemOf(existing),
              after: existing === undefined ? undefined : itemOf(existing),
            },
          ],
        }),
      ).writeUnits;
    expect(failedPut(310 * KB, 300 * KB)).toBe(310);
    const failedUpdate = unitsOfRequest(
      request({
        command: 'UpdateItemCommand',
        input: { TableName: 't', Key: { pk: 'TEST#1', sk: 'S' } },
        failed: true,
        error: 'ConditionalCheckFailedException',
        images: [{ table: 't', key: { pk: 'TEST#1', sk: 'S' } }],
      }),
    );
    expect(failedUpdate.writeUnits).toBe(1);
    // Other failures (a timeout) count nothing.
    expect(
      unitsOfRequest(
        request({ command: 'PutItemCommand', input: { TableName: 't', Item: itemOf(500) }, failed: true, error: 'TimeoutError' }),
      ).writeUnits,
    ).toBe(0);
  });

  it('TransactWriteItems: two units per 1 KB item, ConditionCheck too (three 500-byte items: 6); a cancelled one counts the same', () => {
    const input = {
      TransactItems: [
        { Put: { TableName: 't', Item: itemOf(500, 'PRESENCE#a') } },
        { Update: { TableName: 't', Key: { pk: 'ROTATION#g', sk: 'S' } } },
        { ConditionCheck: { TableName: 't', Key: { pk: 'CONFIG', sk: 'S' }, ConditionExpression: 'version = :v' } },
      ],
    };
    const images = [
      { table: 't', key: { pk: 'PRESENCE#a', sk: 'S' }, after: itemOf(500, 'PRESENCE#a') },
      { table: 't', key: { pk: 'ROTATION#g', sk: 'S' }, before: itemOf(400, 'ROTATION#g'), after: itemOf(500, 'ROTATION#g') },
      { table: 't', key: { pk: 'CONFIG', sk: 'S' }, before: itemOf(500, 'CONFIG'), after: itemOf(500, 'CONFIG') },
    ];
    const done = unitsOfRequest(request({ command: 'TransactWriteItemsCommand', input, output: {}, images }));
    expect(done).toEqual({
      readUnits: 0,
      writeUnits: 6,
      byItemKind: { PRESENCE: { read: 0, write: 2 }, ROTATION: { read: 0, write: 2 }, CONFIG: { read: 0, write: 2 } },
    });
    const cancelled = unitsOfRequest(
      request({
        command: 'TransactWriteItemsCommand',
        input,
        failed: true,
        error: 'TransactionCanceledException',
        cancellationReasons: ['None', 'ConditionalCheckFailed', 'None'],
        images,
      }),
    );
    expect(cancelled.writeUnits).toBe(6);
  });

  it('adds requests up by item kind', () => {
    const get = request({
      command: 'GetItemCommand',
      input: { Key: { pk: 'CONFIG', sk: 'VERSION' }, ConsistentRead: true },
      output: { Item: { pk: 'CONFIG', sk: 'VERSION', version: 3 } },
    });
    const write = request({ command: 'PutItemCommand', input: { Item: itemOf(100, 'CALL#CA1') }, output: {} });
    expect(unitsOf([get, get, write])).toEqual({
      readUnits: 2,
      writeUnits: 1,
      byItemKind: { CONFIG: { read: 2, write: 0 }, CALL: { read: 0, write: 1 } },
    });
  });
});

/** Against the suite's DynamoDB Local: item images read around each write, outside the measurement. */
describe('metered writes against DynamoDB Local', () => {
  beforeAll(async () => {
    await createTestTable();
    installMeter(documentClient, { images: true });
  });

  it('sizes items as DynamoDB Local does for a single PutItem: 1024 bytes is one write unit, 1025 two', async () => {
    const shapes: Record<string, (pad: string) => Item> = {
      strings: (pad) => ({ d: pad, name: 'Grüße' }),
      numbers: (pad) => ({ d: pad, at: 1795746500338, n: -12.5, zero: 0, big: 123456789012 }),
      'maps and lists': (pad) => ({ m: { a: pad, b: [1, 'two', true, null] } }),
      sets: (pad) => ({ d: pad, refs: new Set(['group:a', 'group:bb']), ns: new Set([1, 22, 333]) }),
    };
    let sequence = 0;
    for (const [shape, make] of Object.entries(shapes)) {
      for (const target of [1024, 1025]) {
        const key = { pk: `UNITS#size${String((sequence += 1)).padStart(3, '0')}`, sk: 'UNITS' };
        const item = { ...key, ...make('') };
        const padded = { ...key, ...make('x'.repeat(target - itemSize(item))) };
        expect(itemSize(padded), shape).toBe(target);
        const written = await documentClient.send(new PutCommand({ TableName: tableName, Item: padded, ReturnConsumedCapacity: 'TOTAL' }));
        expect(written.ConsumedCapacity?.CapacityUnits, `${shape}, ${target} bytes`).toBe(target === 1024 ? 1 : 2);
      }
    }
  });

  it('records each written item before and after, and counts its units from them', async () => {
    const key = { pk: 'UNITS#put', sk: 'UNITS' };
    const before = { ...key, note: 'x'.repeat(1500) };
    await documentClient.send(new PutCommand({ TableName: tableName, Item: before }));
    const after = { ...key, note: 'short', count: 1 };

    const metered = await meter(() => documentClient.send(new PutCommand({ TableName: tableName, Item: after })));

    expect(metered.requests).toHaveLength(1);
    const [written] = metered.requests;
    expect(written?.images).toEqual([{ table: tableName, key, before, after }]);
    // The larger of the two: the 1.5 KB item before it, 2 units.
    expect(itemSize(before)).toBeGreaterThan(KB);
    expect(unitsOf(metered.requests)).toEqual({ readUnits: 0, writeUnits: 2, byItemKind: { UNITS: { read: 0, write: 2 } } });
  });

  it('counts a failed conditional write and a cancelled transaction, and records why they failed', async () => {
    const key = { pk: 'UNITS#cond', sk: 'UNITS' };
    await documentClient.send(new PutCommand({ TableName: tableName, Item: { ...key, note: 'y'.repeat(2100) } }));
    const metered = await meter(async () => {
      await documentClient
        .send(
          new UpdateCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET note = :n',
            ConditionExpression: 'attribute_not_exists(pk)',
            ExpressionAttributeValues: { ':n': 'z' },
          }),
        )
        .catch(() => undefined);
      await documentClient
        .send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: { pk: 'UNITS#new', sk: 'UNITS' } } },
              { ConditionCheck: { TableName: tableName, Key: key, ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        )
        .catch(() => undefined);
    });
    const [update, transaction] = metered.requests;
    expect(update).toMatchObject({ failed: true, error: 'ConditionalCheckFailedException' });
    expect(transaction).toMatchObject({
      failed: true,
      error: 'TransactionCanceledException',
      cancellationReasons: ['None', 'ConditionalCheckFailed'],
    });
    // The existing item, 2.1 KB: 3 units; the transaction: 2 x 1 + 2 x 3.
    expect(unitsOfRequest(update as MeteredRequest).writeUnits).toBe(3);
    expect(unitsOfRequest(transaction as MeteredRequest).writeUnits).toBe(8);
    expect((await tableSnapshot()).filter((item) => item.pk === 'UNITS#new')).toEqual([]);
  });

  it('measures the handlers with images without changing their requests or round trips', async () => {
    await put('/users/anna', { name: 'Anna', devices: [{ type: 'client', identity: 'anna' }] });
    await put('/groups/units', { name: 'units', members: ['anna'], distribution: 'in-order', whenNobodyAnswers: { action: 'voicemail' } });
    await put(`/numbers/${encodeURIComponent('+493077700001')}`, { group: 'units' });
    const call = async (callSid: string): Promise<MeteredRequest[]> => {
      const metered = await meter(() =>
        postVoice({
          pathAndQuery: '/voice/incoming',
          params: { CallSid: callSid, From: '+15550001111', To: '+493077700001', CallStatus: 'ringing' },
        }),
      );
      expect(metered.value.statusCode).toBe(200);
      await postVoice({
        pathAndQuery: '/voice/status',
        params: { CallSid: callSid, From: '+15550001111', To: '+493077700001', CallStatus: 'completed', CallDuration: '3' },
      });
      return [...metered.requests];
    };
    // Warm the configuration cache, as an earlier call would.
    await call(`CA${'0'.repeat(31)}1`);

    installMeter(documentClient, { images: false });
    const plain = await call(`CA${'0'.repeat(31)}2`);
    installMeter(documentClient, { images: true });
    const imaged = await call(`CA${'0'.repeat(31)}3`);

    const shape = (requests: MeteredRequest[]): string[] => requests.map((request) => `${request.depth}:${request.command}`).sort();
    expect(shape(imaged)).toEqual(shape(plain));
    const writes = imaged.filter((request) => request.images !== undefined);
    expect(writes.length).toBeGreaterThan(0);
    // After a write that went through, each item it put or updated is there: the image after it.
    for (const write of writes.filter((request) => request.failed !== true)) {
      const actions =
        write.command === 'TransactWriteItemsCommand'
          ? (write.input as { TransactItems: Record<string, unknown>[] }).TransactItems.map((action) => Object.keys(action)[0])
          : [write.command];
      write.images?.forEach((image, index) => {
        if (
          actions[index] === 'Put' ||
          actions[index] === 'Update' ||
          actions[index] === 'PutItemCommand' ||
          actions[index] === 'UpdateItemCommand'
        )
          expect(image.after).toMatchObject(image.key);
      });
    }
    const units = unitsOf(imaged);
    expect(units.readUnits).toBeGreaterThan(0);
  });

  it('meters an admin write too', async () => {
    const metered = await meter(() => admin('PUT', '/users/ben', { name: 'Ben', devices: [{ type: 'client', identity: 'ben' }] }));
    expect(metered.value.statusCode).toBeLessThan(300);
    const units = unitsOf(metered.requests);
    expect(units.byItemKind.USER?.write).toBeGreaterThan(0);
    expect(units.byItemKind.CONFIG?.write).toBeGreaterThan(0);
  });
});
