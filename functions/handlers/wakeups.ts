import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger, powertoolsLogger } from '../commons/logger.js';
import { metrics } from '../commons/metrics.js';
import { configuredTwilio, configuredTwilioApi } from '../twilio-api/configured.js';
import { wakeUpMembers } from '../voice/line-dispatch.js';
import { wakeUpSchema } from '../wake-ups/queue.js';

/**
 * The wake-up function (SPEC 15, wrap-up): the SQS queue's messages, each delivered when a member's
 * wrap-up ends, offer those members the longest-waiting callers of their groups at once. A message
 * that fails is retried by SQS (partial batch response); one that cannot be read is dropped, logged.
 */
export async function deliverWakeUps(event: SQSEvent): Promise<SQSBatchResponse> {
  const twilio = configuredTwilioApi;
  const voiceBase = configuredTwilio?.voiceBaseUrl;
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        body = undefined;
      }
      const wakeUp = wakeUpSchema.safeParse(body);
      if (!wakeUp.success) {
        logger.error('a wake-up message that is not one; dropped', { messageId: record.messageId, body: record.body.slice(0, 200) });
        return;
      }
      if (twilio === undefined || voiceBase === undefined) {
        logger.warn('no REST API configured for the wake-up function; the waiting line polls instead', { members: wakeUp.data.members });
        return;
      }
      try {
        await wakeUpMembers(wakeUp.data, { twilio, voiceBase, now: Math.floor(Date.now() / 1000) });
      } catch (error) {
        logger.error('a wake-up failed; SQS delivers it again', error, { members: wakeUp.data.members });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
}

export const handler = middy<SQSEvent, SQSBatchResponse>(deliverWakeUps)
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  .use(logMetrics(metrics));
