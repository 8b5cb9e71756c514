import { randomBytes } from 'node:crypto';
import { CreateTableCommand, GetItemCommand, PutItemCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { latencySlope, leastSquaresSlope, startLatencyProxy, type LatencyProxy } from '../../bin/bench/latency-proxy.js';
import { localClient } from '../../bin/local/dynamodb-local.js';

/**
 * The benchmark's latency proxy (bin/bench/latency-proxy.ts) in front of the suite's DynamoDB Local.
 * Counts only: what it forwards and how often; never how long anything took.
 */
let proxy: LatencyProxy;
beforeAll(async () => {
  proxy = await startLatencyProxy(inject('dynamoEndpoint'));
});
afterAll(async () => {
  await proxy.close();
});

describe('latency proxy', () => {
  it('forwards a DynamoDB client’s requests and their answers, errors included, and counts them', async () => {
    const client = localClient(proxy.endpoint);
    const table = `proxy-${randomBytes(6).toString('hex')}`;
    const before = proxy.requests();
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      // Large enough to arrive and leave in several chunks.
      const big = 'x'.repeat(200_000);
      await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, big: { S: big } } }));
      const got = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, ConsistentRead: true }));
      expect(got.Item?.big?.S).toBe(big);
      expect(proxy.requests() - before).toBe(3);

      proxy.setDelayMs(5);
      const delayed = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, ConsistentRead: true }));
      proxy.setDelayMs(0);
      expect(delayed.Item?.pk?.S).toBe('a');
      expect(proxy.requests() - before).toBe(4);

      await expect(client.send(new GetItemCommand({ TableName: `${table}-missing`, Key: { pk: { S: 'a' } } }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      expect(proxy.requests() - before).toBe(5);
    } finally {
      client.destroy();
    }
  });

  it('latencySlope runs the work once to warm up, then repeats times per delay, delays taking turns, and leaves the delay at 0', async () => {
    const client = localClient(proxy.endpoint);
    const table = `slope-${randomBytes(6).toString('hex')}`;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        }),
      );
      const delaysSet: number[] = [];
      const recording = {
        setDelayMs: (ms: number): void => {
          delaysSet.push(ms);
          proxy.setDelayMs(ms);
        },
      };
      let runs = 0;
      const before = proxy.requests();
      // Two requests one after the other per run.
      const result = await latencySlope(
        async () => {
          runs += 1;
          await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' } } }));
          await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'a' } } }));
        },
        recording,
        { delays: [0, 2], repeats: 3 },
      );

      expect(runs).toBe(1 + 3 * 2);
      expect(proxy.requests() - before).toBe(2 * runs);
      expect(delaysSet).toEqual([0, 0, 2, 0, 2, 0, 2, 0]);
      expect(Object.keys(result.perDelay)).toEqual(['0', '2']);
      expect(result.roundTrips).toSatisfy(Number.isFinite, 'a finite number of round trips');
    } finally {
      client.destroy();
    }
  });

  it('leastSquaresSlope is the slope of the best line', () => {
    expect(
      leastSquaresSlope([
        { x: 0, y: 7 },
        { x: 10, y: 37 },
        { x: 25, y: 82 },
      ]),
    ).toBeCloseTo(3, 10);
    expect(
      leastSquaresSlope([
        { x: 0, y: 10 },
        { x: 10, y: 30 },
        { x: 20, y: 40 },
      ]),
    ).toBeCloseTo(1.5);
    expect(
      leastSquaresSlope([
        { x: 5, y: 1 },
        { x: 5, y: 2 },
      ]),
    ).toBe(0);
  });

  it('latencySlope refuses fewer than two different delays and repeats below 1', async () => {
    const run = async (): Promise<void> => undefined;
    await expect(latencySlope(run, proxy, { delays: [10] })).rejects.toThrow(/two or more different delays/);
    await expect(latencySlope(run, proxy, { delays: [10, 10] })).rejects.toThrow(/two or more different delays/);
    await expect(latencySlope(run, proxy, { repeats: 0 })).rejects.toThrow(/repeats/);
  });
});
