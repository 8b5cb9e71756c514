import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * A webhook's time budget (SPEC sections 12 and 13). Twilio waits at most 15 s for an answer, and a
 * caller must never hear silence: each voice webhook answers within its budget whatever the database
 * or Twilio's REST API do. When the budget runs out the webhook answers from what it knows, and its
 * signal is aborted: every DynamoDB or REST request still in flight is cancelled, and none is started
 * afterwards, so nothing is written after the answer.
 *
 * The budget travels in AsyncLocalStorage so the store and the REST client see it without every
 * function passing a signal along.
 */
const storage = new AsyncLocalStorage<AbortSignal>();

/** The work was abandoned because the webhook answered without it. */
export class BudgetExceededError extends Error {
  constructor(message = 'the webhook answered before this work finished; abandoned', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BudgetExceededError';
  }
}

/** The signal of the budget this code runs under, if any. */
export function currentSignal(): AbortSignal | undefined {
  return storage.getStore();
}

/** Throw when the current budget is spent: no new request may start after the answer. */
export function assertWithinBudget(): void {
  const signal = storage.getStore();
  if (signal?.aborted === true) throw new BudgetExceededError();
}

/**
 * Run `work` outside the current budget: for work shared by several webhooks of one instance (a
 * configuration load), which one webhook's deadline must not cancel for the others. Only reads may
 * run here; each webhook still answers at its own deadline.
 */
export function outsideBudget<T>(work: () => Promise<T>): Promise<T> {
  return storage.exit(work);
}

export type Budgeted<T> = { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'timed-out' };

/**
 * Run `work` with a budget of `millis`. Resolves when the work settles or the budget runs out,
 * whichever comes first; on timeout the work's signal is aborted before this resolves, so whatever the
 * work has not finished is abandoned before the caller of `withBudget` answers.
 */
export async function withBudget<T>(millis: number, work: () => Promise<T>): Promise<Budgeted<T>> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Budgeted<T>>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new BudgetExceededError());
      resolve({ kind: 'timed-out' });
    }, millis);
  });
  const run = storage.run(controller.signal, () =>
    work().then(
      (value): Budgeted<T> => ({ kind: 'done', value }),
      (error: unknown): Budgeted<T> => ({ kind: 'failed', error }),
    ),
  );
  try {
    const outcome = await Promise.race([run, timeout]);
    // Whatever happens next happens after the answer: abort so nothing more is started or written.
    if (!controller.signal.aborted) controller.abort(new BudgetExceededError());
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
