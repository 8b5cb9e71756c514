import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { defaultProvider as environmentFirstCredentials } from '../commons/aws-credentials.js';
import { assertWithinBudget, currentSignal } from '../commons/budget.js';
import { storeConfig } from '../commons/config.js';

/**
 * Per-attempt limits of every DynamoDB request (SPEC section 13). A GetItem or a small transaction
 * takes single-digit milliseconds in the same region; a request that has not answered within a second
 * is stuck (a hung node, a network fault). Two attempts: one retry rides out a dropped connection or
 * a throttle. The webhook's budget (2.5 s, functions/commons/budget.ts) bounds the total whatever
 * these allow, so they are set for a database under load (DynamoDB Local in a burst on a small
 * machine), not to the edge: a request that would have answered in 900 ms is worth waiting for.
 * `DYNAMODB_REQUEST_TIMEOUT_MS` changes them: the test suite, which runs many files against one
 * DynamoDB Local on two cores, waits longer, except in the fault tests.
 */
export const CONNECTION_TIMEOUT_MS = storeConfig.requestTimeoutMs ?? 1000;
export const REQUEST_TIMEOUT_MS = storeConfig.requestTimeoutMs ?? 1000;
export const MAX_ATTEMPTS = 2;

/**
 * The one document client, created at module load and reused across invocations. Locally and in
 * tests `DYNAMODB_ENDPOINT` points it at DynamoDB Local. Credentials come from the environment, as
 * Lambda sets them; the SDK's whole provider chain is loaded only when it has none (a developer's
 * profile): functions/commons/aws-credentials.ts.
 */
export const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    ...(storeConfig.endpoint === undefined ? {} : { endpoint: storeConfig.endpoint }),
    region: storeConfig.region,
    credentials: environmentFirstCredentials(),
    maxAttempts: MAX_ATTEMPTS,
    // Without throwOnRequestTimeout a request past its timeout only logs a warning and goes on waiting.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    }),
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
export const send = (async (command: Parameters<Send>[0]) => {
  assertWithinBudget();
  const signal = currentSignal();
  return signal === undefined ? documentClient.send(command) : documentClient.send(command, { abortSignal: signal });
}) as Send;
