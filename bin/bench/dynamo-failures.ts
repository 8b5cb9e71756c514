import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Counts the store's failed DynamoDB requests per voice webhook route, for the burst figure. A
 * middleware on the store's one client sees every request; the webhook that caused it is known from
 * an AsyncLocalStorage the bench's transport enters around each webhook (the handler's own async
 * context, so the store needs no change). A ConditionalCheckFailedException or a
 * TransactionCanceledException (any reason) is a failed conditional write; other errors (timeouts,
 * aborted requests) are counted by name beside them.
 */
export type RouteTally = {
  webhooks: number;
  requests: number;
  conditionalCheckFailed: number;
  transactionCanceled: number;
  /** TransactionCanceledException by cancellation reason code (ConditionalCheckFailed, TransactionConflict, ...). */
  cancellationReasons: Record<string, number>;
  /** Any other failed request, by error name. */
  otherErrors: Record<string, number>;
};

/** One webhook's failed requests, by error name. */
type Scope = { route: string; errors: string[] };

const scope = new AsyncLocalStorage<Scope>();
let tallies = new Map<string, RouteTally>();
let installed = false;

function tallyOf(route: string): RouteTally {
  let tally = tallies.get(route);
  if (tally === undefined) {
    tally = { webhooks: 0, requests: 0, conditionalCheckFailed: 0, transactionCanceled: 0, cancellationReasons: {}, otherErrors: {} };
    tallies.set(route, tally);
  }
  return tally;
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Add the counting middleware to the store's client (once per process). */
export function installFailureCounter(client: Pick<DynamoDBDocumentClient, 'middlewareStack'>): void {
  if (installed) return;
  installed = true;
  client.middlewareStack.add(
    (next) => async (args) => {
      const tally = tallyOf(scope.getStore()?.route ?? '(outside a webhook)');
      tally.requests += 1;
      try {
        return await next(args);
      } catch (error) {
        const name = error instanceof Error ? error.name : 'non-error';
        scope.getStore()?.errors.push(name);
        if (name === 'ConditionalCheckFailedException') tally.conditionalCheckFailed += 1;
        else if (name === 'TransactionCanceledException') {
          tally.transactionCanceled += 1;
          const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
          for (const code of new Set(reasons.map((reason) => reason.Code ?? 'None').filter((code) => code !== 'None')))
            bump(tally.cancellationReasons, code);
        } else bump(tally.otherErrors, name);
        throw error;
      }
    },
    // initialize: once per send(), whatever the SDK's retries do below.
    { step: 'initialize', name: 'benchBurstFailureCounter' },
  );
}

/** Run one webhook under `route`, so the requests it makes are counted for it; with its failed requests' error names. */
export async function inRoute<T>(route: string, work: () => Promise<T>): Promise<{ value: T; errors: string[] }> {
  tallyOf(route).webhooks += 1;
  const errors: string[] = [];
  const value = await scope.run({ route, errors }, work);
  return { value, errors };
}

/** The tallies since the last reset, and start afresh. */
export function takeTallies(): Map<string, RouteTally> {
  const taken = tallies;
  tallies = new Map();
  return taken;
}

export function failedWrites(tally: RouteTally): number {
  return tally.conditionalCheckFailed + tally.transactionCanceled;
}
