import { createServer } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local.js';

/** One DynamoDB Local for the whole run (in memory); each test file makes its own table in it. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('apiPortBase', await freePortRange(WORKER_PORTS));
  return async () => {
    await dynamo.stop();
  };
}

/** Ports above the base, one per test worker (pool ids start at 1; vitest runs at most a few on two cores). */
const WORKER_PORTS = 16;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port whose next `count` ports are free now: another test run on this machine has its own. */
async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const ports = Array.from({ length: count }, (_, index) => base + 1 + index);
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return base;
  }
  throw new Error('no free range of ports for the fake Twilio REST APIs');
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    apiPortBase: number;
  }
}
