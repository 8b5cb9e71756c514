import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as z from 'zod';
import { defaultProvider as environmentFirstCredentials } from '../commons/aws-credentials.js';
import { assertWithinBudget, currentSignal, outsideBudget } from '../commons/budget.js';
import { logger } from '../commons/logger.js';

/**
 * Wake-ups (SPEC 15, wrap-up): when a member's wrap-up ends they are offered the longest-waiting
 * caller at once. The end is known when the call ends, so one delayed message is sent then and
 * delivered at that second: an SQS message timer (`DelaySeconds`, 0 to 900 s, which holds the longest
 * wrap-up, 600 s) in AWS, a timer in this process locally (`npm start`, the tests). Nothing polls.
 */

export const wakeUpSchema = z
  .strictObject({
    /** Members whose wrap-up ends: the lines of their groups are served. */
    members: z.array(z.string().min(1)),
    /** Groups whose line is served (SPEC 16: a callback's next attempt, the next free second to create a call, an opening). */
    groups: z.array(z.string().min(1)).optional(),
    /** When, epoch seconds. */
    at: z.number().int().nonnegative(),
  })
  .refine((wakeUp) => wakeUp.members.length + (wakeUp.groups?.length ?? 0) > 0, 'names no member and no group');
export type WakeUp = z.infer<typeof wakeUpSchema>;

/** SQS's longest message timer. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-timers.html */
export const SQS_MAX_DELAY_SECONDS = 900;

/** What delivers a wake-up in this process: the line's dispatch, given by the sender (no import cycle). */
export type Deliver = (wakeUp: WakeUp) => Promise<void>;

type Pending = { wakeUp: WakeUp; deliver: Deliver };

/**
 * The local queue: wake-ups wait in this process and a timer delivers each when its second comes.
 * Tests that set the clock deliver them with `deliverDueWakeUps` (what the timer calls).
 */
const pending: Pending[] = [];

/** Calls `fire` at epoch milliseconds `atMs` (or later); the returned function cancels it. */
export type WakeUpTimer = (atMs: number, fire: () => Promise<number>) => () => void;

// unref: a pending wake-up never keeps `npm start` or a test run alive.
const realTimer: WakeUpTimer = (atMs, fire) => {
  const timeout = setTimeout(() => void fire(), Math.max(0, atMs - Date.now())).unref();
  return () => clearTimeout(timeout);
};
let timer = realTimer;
let cancel: (() => void) | undefined;

/**
 * The timer of the local queue: a test playing calls on a simulated clock delivers wake-ups on that
 * clock; undefined restores the real one.
 */
export function useWakeUpTimer(replacement: WakeUpTimer | undefined): void {
  timer = replacement ?? realTimer;
  armTimer();
}

function armTimer(): void {
  cancel?.();
  cancel = undefined;
  const next = Math.min(...pending.map((entry) => entry.wakeUp.at));
  if (Number.isFinite(next)) cancel = timer(next * 1000, deliverDueWakeUps);
}

function takeDue(): Pending[] {
  const now = Date.now() / 1000;
  const due = pending.filter((entry) => entry.wakeUp.at <= now);
  for (const entry of due) pending.splice(pending.indexOf(entry), 1);
  armTimer();
  return due;
}

/**
 * Take the local wake-ups whose second has come without delivering them: a test hands them to the
 * wake-up function as SQS messages, as SQS would.
 */
export function takeDueWakeUps(): WakeUp[] {
  return takeDue().map((entry) => entry.wakeUp);
}

/** Deliver the local wake-ups whose second has come (by the clock as it is now); the number delivered. */
export async function deliverDueWakeUps(): Promise<number> {
  const due = takeDue();
  await Promise.all(
    due.map(async (entry) => {
      try {
        // A delivery stands for the wake-up function's own invocation: not under the budget of the
        // webhook that sent it (its timer was armed inside that webhook, and so inherits its context).
        await outsideBudget(() => entry.deliver(entry.wakeUp));
      } catch (error) {
        // The waiting line's own polling offers the member a little later.
        logger.error('a wake-up could not be delivered', error, { members: entry.wakeUp.members });
      }
    }),
  );
  return due.length;
}

/** The local wake-ups not yet delivered (for the tests and the local stack's log). */
export function pendingWakeUps(): WakeUp[] {
  return pending.map((entry) => entry.wakeUp);
}

const queueUrl = process.env.WAKE_UP_QUEUE_URL === '' ? undefined : process.env.WAKE_UP_QUEUE_URL;
let sqs: SQSClient | undefined;

/**
 * Send a wake-up for `at`: to the SQS queue named by `WAKE_UP_QUEUE_URL` when set (AWS), else to this
 * process's queue. A wake-up that cannot be sent is logged: the line's polling is the safety net.
 */
export async function sendWakeUp(wakeUp: WakeUp, deliver: Deliver, nowMs = Date.now()): Promise<void> {
  if (queueUrl === undefined) {
    pending.push({ wakeUp, deliver });
    armTimer();
    return;
  }
  // Rounded up: a message delivered a fraction early would find the member still wrapping up.
  const delay = Math.min(SQS_MAX_DELAY_SECONDS, Math.max(0, Math.ceil(wakeUp.at - nowMs / 1000)));
  // Inside a webhook's budget like every request: nothing is sent after the webhook answered.
  assertWithinBudget();
  try {
    // As the DynamoDB client (store/client.ts): the role's keys from the environment, short timeouts.
    sqs ??= new SQSClient({
      credentials: environmentFirstCredentials(),
      maxAttempts: 2,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 1000, throwOnRequestTimeout: true }),
    });
    const signal = currentSignal();
    const command = new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(wakeUp), DelaySeconds: delay });
    await (signal === undefined ? sqs.send(command) : sqs.send(command, { abortSignal: signal }));
  } catch (error) {
    logger.error('could not send a wake-up; the waiting line polls instead', error, { members: wakeUp.members, at: wakeUp.at });
  }
}
