import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../bin/local/dynamodb-local.js';

/** Whether a TCP connection to host:port is accepted. */
async function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** This machine's addresses other than 127.0.0.1: its interfaces' (if it has any) and IPv6's loopback. */
function otherAddresses(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal && !address.address.startsWith('fe80:'))
    .map((address) => address?.address ?? '');
  return [...external, '::1'];
}

describe('DynamoDB Local as the local stack starts it', () => {
  let dynamo: DynamoDbLocal;
  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await dynamo.stop();
  });

  it('listens on 127.0.0.1 only: every other address of the machine is refused', async () => {
    const port = Number(new URL(dynamo.endpoint).port);
    const others = otherAddresses();
    const answers = await Promise.all(others.map(async (host) => [host, await accepts(host, port)] as const));
    expect({ loopback: await accepts('127.0.0.1', port), others: Object.fromEntries(answers) }).toEqual({
      loopback: true,
      others: Object.fromEntries(others.map((host) => [host, false])),
    });
  });

  it('sends no telemetry: its own launcher, never the jar main that sets telemetry up', () => {
    expect(dynamo.process.spawnargs).toContain('LoopbackDynamoDBLocal');
    expect(dynamo.process.spawnargs).not.toContain('-jar');
  });
});
