import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { authTokenProvider } from '../commons/auth-token.js';
import { readVoiceConfig } from '../commons/config.js';
import { logger, powertoolsLogger } from '../commons/logger.js';
import { metrics } from '../commons/metrics.js';
import { createTwilioApi } from '../twilio-api/client.js';
import { reconcileVoicemails, type ReconcileSummary } from '../voicemail/reconcile.js';

/**
 * The voicemail reconciliation (an EventBridge schedule, every 5 minutes): stores the voicemails
 * Twilio recorded that neither the <Record> action nor the recording callback stored. It answers no
 * webhook, so it loads no TwiML code and has no caller waiting on it.
 */
const config = readVoiceConfig();
const accountSid = config.accountSid;
const twilio =
  accountSid === undefined
    ? undefined
    : createTwilioApi({ baseUrl: config.twilioApiBaseUrl, accountSid, authToken: authTokenProvider(config), timeoutMs: 10_000 });

/** The summary of the run (also logged), or undefined when the deployment has no Account SID. */
async function reconcile(): Promise<ReconcileSummary | undefined> {
  if (twilio === undefined || accountSid === undefined) {
    // Without the Account SID the Recordings list cannot be read: deploy with -c twilioAccountSid=AC…
    logger.warn('voicemail reconciliation is off: TWILIO_ACCOUNT_SID is not set');
    return undefined;
  }
  const summary = await reconcileVoicemails({ twilio, accountSid, now: new Date() });
  logger.info('voicemail reconciliation', summary);
  return summary;
}

export const handler = middy<unknown, ReconcileSummary | undefined>(reconcile)
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  // The Recordings list's failures count as REST failures.
  .use(logMetrics(metrics));
