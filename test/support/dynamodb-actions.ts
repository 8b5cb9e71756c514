import { AsyncLocalStorage } from 'node:async_hooks';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Records which DynamoDB actions (as IAM names them) each Lambda function performs while the test
 * suite runs; test/permissions/ compares them with the roles the CDK stack grants.
 *
 * Attribution: vitest.config.ts instruments functions/handlers/<name>.ts (dynamodb-actions-plugin.ts)
 * so its exported `handler` runs inside an AsyncLocalStorage holding `<name>`. Every request the store's
 * one DynamoDB client sends while a handler runs, and everything that handler started, is that
 * function's, however the handler was reached: invoke.ts, the call simulator's in-process transport,
 * the local server of the scenario tests, or a test importing the handler itself. Requests outside any
 * handler (test set-up, a test calling the store directly) are nobody's and are not recorded.
 *
 * State lives on globalThis: a test that reloads modules (vi.resetModules) gets fresh handler and
 * client modules, and their instrumentation must write to the same log.
 */

/** The environment variable naming the run's log directory (set by setup-env.ts from the root global setup). */
export const ACTION_LOG_ENV = 'QUEUE_GROUPS_DYNAMODB_ACTION_LOG';

export type ActionRecord = { function: string; action: string } | { file: string };

type RecorderState = { storage: AsyncLocalStorage<string>; clients: WeakSet<object>; written: Set<string> };

const STATE = Symbol.for('queue-groups.test.dynamodb-actions');

function state(): RecorderState {
  const holder = globalThis as typeof globalThis & { [STATE]?: RecorderState };
  holder[STATE] ??= { storage: new AsyncLocalStorage<string>(), clients: new WeakSet(), written: new Set() };
  return holder[STATE];
}

/** Append one record to this process's log (each line once per process: the log is a set). */
export function writeRecord(record: ActionRecord): void {
  const dir = process.env[ACTION_LOG_ENV];
  if (dir === undefined || dir === '') return;
  const line = JSON.stringify(record);
  const { written } = state();
  if (written.has(line)) return;
  written.add(line);
  appendFileSync(join(dir, `${process.pid}.jsonl`), `${line}\n`);
}

const SINGLE_ACTIONS: Readonly<Record<string, string>> = {
  GetItemCommand: 'dynamodb:GetItem',
  PutItemCommand: 'dynamodb:PutItem',
  UpdateItemCommand: 'dynamodb:UpdateItem',
  DeleteItemCommand: 'dynamodb:DeleteItem',
  QueryCommand: 'dynamodb:Query',
  ScanCommand: 'dynamodb:Scan',
  BatchGetItemCommand: 'dynamodb:BatchGetItem',
  BatchWriteItemCommand: 'dynamodb:BatchWriteItem',
};

/**
 * A transaction has no IAM action of its own: each of its items needs the action it stands for
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
 */
const TRANSACTION_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

/** The IAM actions one request needs. A command we do not know is recorded as such, so the check fails naming it. */
export function iamActionsOf(commandName: string | undefined, input: unknown): string[] {
  const single = commandName === undefined ? undefined : SINGLE_ACTIONS[commandName];
  if (single !== undefined) return [single];
  if (commandName === 'TransactWriteItemsCommand' || commandName === 'TransactGetItemsCommand') {
    const items = (input as { TransactItems?: Record<string, unknown>[] } | undefined)?.TransactItems ?? [];
    return items.flatMap((item) => Object.keys(item).map((kind) => TRANSACTION_ITEM_ACTIONS[kind] ?? `unmapped:${commandName}.${kind}`));
  }
  return [`unmapped:${commandName ?? 'unknown command'}`];
}

function install(client: DynamoDBDocumentClient): void {
  const { clients, storage } = state();
  if (clients.has(client)) return;
  clients.add(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = storage.getStore();
      if (name !== undefined) for (const action of iamActionsOf(context.commandName, args.input)) writeRecord({ function: name, action });
      return next(args);
    },
    { step: 'initialize', name: 'recordIamActionsForTests' },
  );
}

/**
 * What the instrumented handler module exports instead of its handler: the same handler, run inside
 * the function's name, with the recorder on the client that handler's store uses.
 */
export function recordedHandler<H extends (...args: never[]) => unknown>(name: string, handler: H, client: DynamoDBDocumentClient): H {
  install(client);
  const { storage } = state();
  const recorded = (...args: Parameters<H>): ReturnType<H> => storage.run(name, () => handler(...args) as ReturnType<H>);
  // Keep whatever the handler object carries (middy's .use and friends).
  return Object.assign(recorded, handler) as unknown as H;
}
