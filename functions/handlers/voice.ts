import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { withBudget } from '../commons/budget.js';
import { authTokenProvider } from '../commons/auth-token.js';
import { readVoiceConfig } from '../commons/config.js';
import { logger, powertoolsLogger } from '../commons/logger.js';
import { metrics } from '../commons/metrics.js';
import { createTwilioApi } from '../twilio-api/client.js';
import { twilioFormBody } from '../middleware/twilio-form-body.js';
import { twilioSignature } from '../middleware/twilio-signature.js';
import { twilioParameters } from '../middleware/twilio-parameters.js';
import { callLogKeys } from '../middleware/call-log-keys.js';
import type { VoiceRoute } from '../twiml/urls.js';
import { twimlErrorHandler } from '../middleware/twiml-error-handler.js';
import { queryParams, twimlResult, type HttpResult, type VoiceEvent } from '../middleware/voice-event.js';
import { apologyTwiml } from '../voice/fallback.js';
import { currentConfiguration } from '../store/configuration.js';
import { faultAnswer } from '../voice/fault-answers.js';
import { isVoiceRoute, readsFirst, voiceRouteTable } from '../voice/routes.js';
import { callOf, type VoiceWebhook } from '../voice/webhook.js';
import { bareParameters, parseVoiceParameters, type VoiceParameters } from '../twilio/parameters.js';

/** The voice function: every Twilio webhook under /voice/ (SPEC section 10). */
const config = readVoiceConfig();
const authToken = authTokenProvider(config);
/** The one REST client: the waiting line and pickup move callers with it. */
const twilio = createTwilioApi({ baseUrl: config.twilioApiBaseUrl, accountSid: config.accountSid ?? '', authToken });

/**
 * Milliseconds a webhook may spend on its work (SPEC 12: every webhook answers within 3 seconds,
 * whatever the database does). The rest of the 3 s is for parsing, the signature and the answer.
 * Two DynamoDB attempts of at most 1.1 s each (store/client.ts) fit; a webhook that needs more than
 * that is facing a fault and answers from what it knows (voice/fault-answers.ts). `WEBHOOK_BUDGET_MS`
 * changes it for the test suite, whose shared DynamoDB Local is slow under load (not the fault tests).
 */
export const WEBHOOK_BUDGET_MS = config.webhookBudgetMs;

/**
 * When the event happened: Twilio's `Timestamp` on status callbacks (so the call log's durations agree
 * with Twilio's own CallDuration), else the time the request arrived. Marks and expiries use our clock.
 */
function eventTime(params: VoiceParameters): Date {
  const stamp = params.timestamp === undefined ? Number.NaN : Date.parse(params.timestamp);
  return Number.isNaN(stamp) ? new Date() : new Date(stamp);
}

function toWebhook(event: VoiceEvent, route: string, params: VoiceParameters = bareParameters(event.twilioParams ?? {})): VoiceWebhook {
  return {
    route,
    params,
    query: queryParams(event),
    url: event.twilioUrl ?? '',
    now: new Date(),
    eventTime: eventTime(params),
    twilio,
    call: callOf(params),
  };
}

function routeOf(event: VoiceEvent): string {
  return event.rawPath.replace(/^.*\/voice\//, '').replace(/\/+$/, '');
}

function knownRoute(route: string): VoiceRoute | undefined {
  return isVoiceRoute(route) ? route : undefined;
}

/** A callback whose data Twilio could deliver again: answering an error lets it retry. */
const unavailable: HttpResult = {
  statusCode: 503,
  headers: { 'content-type': 'text/plain', 'retry-after': '5' },
  body: 'Service Unavailable: try again',
};

async function answerVoiceWebhook(event: VoiceEvent): Promise<HttpResult> {
  const route = routeOf(event);
  const form = event.twilioParams ?? {};
  if (!isVoiceRoute(route)) {
    // A signed request to a path we never hand out: misconfigured. Serve the caller anyway.
    logger.warn('voice request to an unknown route', { route });
    return twimlResult(apologyTwiml(toWebhook(event, route)));
  }
  // Twilio's parameters, parsed once by the middleware: a request without what its kind requires is
  // not one Twilio sends for this route. It is logged as such and the caller served as in a fault.
  const parsed = event.voiceParameters ?? parseVoiceParameters(route, form);
  if (!parsed.ok) {
    const bare = toWebhook(event, route);
    logger.warn('voice request without a parameter its kind requires; answering as in a fault', { route, problem: parsed.problem });
    const answer = await faultAnswer(route, bare);
    return answer === undefined ? unavailable : twimlResult(answer);
  }
  const webhook = toWebhook(event, route, parsed.parameters);
  // Read, decide, write, render, within the budget; whatever is unfinished then is abandoned. The
  // first request is always a read: a database that does not answer is found before anything is sent
  // that it could apply after the answer. Routes that begin with their own read (the configuration's
  // version with what their decision needs) make it themselves; the others read the version first.
  const outcome = await withBudget(WEBHOOK_BUDGET_MS, async () => {
    if (!readsFirst(route)) await currentConfiguration();
    return voiceRouteTable[route](webhook);
  });
  if (outcome.kind === 'done') return twimlResult(outcome.value);
  logger.error(
    outcome.kind === 'timed-out'
      ? 'voice webhook ran out of time; answering from what is known'
      : 'voice webhook failed; answering from what is known',
    outcome.kind === 'failed' ? outcome.error : undefined,
    { route, budgetMs: WEBHOOK_BUDGET_MS },
  );
  const answer = await faultAnswer(route, webhook);
  return answer === undefined ? unavailable : twimlResult(answer);
}

export const handler = middy<VoiceEvent, HttpResult>(answerVoiceWebhook)
  // First in, last out: the log's context and the metrics' flush wrap everything else.
  .use(injectLambdaContext(powertoolsLogger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(twilioFormBody())
  .use(twilioSignature({ authToken, publicBaseUrl: config.publicBaseUrl }))
  .use(twilioParameters({ routeOf: (event) => knownRoute(routeOf(event)) }))
  .use(callLogKeys())
  .use(twimlErrorHandler({ fallbackTwiml: (event) => apologyTwiml(toWebhook(event, routeOf(event))) }));
