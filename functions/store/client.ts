import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { assertWithinBudget, currentSignal } from '../commons/budget.js';
import { storeConfig } from '../commons/config.js';

/**
 * Per-attempt limits of every DynamoDB request (SPEC section 13). A GetItem or a small transaction
 * takes single-digit milliseconds in the same region; a request that has not answered in
 * REQUEST_TIMEOUT_MS is stuck (a hung node, a network fault), and waiting longer would only eat the
 * webhook's 3 s budget. Two attempts: one retry rides out a dropped connection or a throttle, and
 * 2 x (300 + 800) ms still leaves the webhook time to answer from what it knows.
 */
export const CONNECTION_TIMEOUT_MS = 300;
export const REQUEST_TIMEOUT_MS = 800;
export const MAX_ATTEMPTS = 2;

/**
 * The one document client, created at module load and reused across invocations. Locally and in
 * tests `DYNAMODB_ENDPOINT` points it at DynamoDB Local.
 */
export const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    ...(storeConfig.endpoint === undefined ? {} : { endpoint: storeConfig.endpoint }),
    region: storeConfig.region,
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: new NodeHttpHandler({ connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS }),
  }),
  { marshallOptions: { removeUndefinedValues: true } },
);

export const tableName = storeConfig.tableName;

type Send = typeof documentClient.send;

/**
 * Every request of the store goes through here: it refuses to start once the webhook's budget is
 * spent, and is cancelled when the budget runs out while it is in flight, so nothing is written
 * after the webhook answered (functions/commons/budget.ts). Typed as the client's own `send`.
 */
export const send = ((command: Parameters<Send>[0]) => {
  assertWithinBudget();
  const signal = currentSignal();
  return signal === undefined ? documentClient.send(command) : documentClient.send(command, { abortSignal: signal });
}) as Send;
