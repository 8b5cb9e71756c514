import middy from '@middy/core';
import { authTokenProvider } from '../commons/auth-token.js';
import { readVoiceConfig } from '../commons/config.js';
import { logger } from '../commons/logger.js';
import { createTwilioApi } from '../twilio-api/client.js';
import { twilioFormBody } from '../middleware/twilio-form-body.js';
import { twilioSignature } from '../middleware/twilio-signature.js';
import { twimlErrorHandler } from '../middleware/twiml-error-handler.js';
import { queryParams, twimlResult, type HttpResult, type VoiceEvent } from '../middleware/voice-event.js';
import { apologyTwiml } from '../voice/fallback.js';
import { isVoiceRoute, voiceRouteTable } from '../voice/routes.js';
import type { VoiceWebhook } from '../voice/webhook.js';

/** The voice function: every Twilio webhook under /voice/ (SPEC section 10). */
const config = readVoiceConfig();
const authToken = authTokenProvider(config);
/** The one REST client: the waiting line moves callers with it. */
const twilio = createTwilioApi({ baseUrl: config.twilioApiBaseUrl, accountSid: config.accountSid ?? '', authToken });

/**
 * When the event happened: Twilio's `Timestamp` on status callbacks (so the call log's durations agree
 * with Twilio's own CallDuration), else the time the request arrived. Marks and expiries use our clock.
 */
function eventTime(params: Record<string, string>): Date {
  const stamp = params.Timestamp === undefined ? Number.NaN : Date.parse(params.Timestamp);
  return Number.isNaN(stamp) ? new Date() : new Date(stamp);
}

function toWebhook(event: VoiceEvent, route: string): VoiceWebhook {
  const params = event.twilioParams ?? {};
  return { route, params, query: queryParams(event), url: event.twilioUrl ?? '', now: new Date(), eventTime: eventTime(params), twilio };
}

function routeOf(event: VoiceEvent): string {
  return event.rawPath.replace(/^.*\/voice\//, '').replace(/\/+$/, '');
}

async function answerVoiceWebhook(event: VoiceEvent): Promise<HttpResult> {
  const route = routeOf(event);
  if (!isVoiceRoute(route)) {
    // A signed request to a path we never hand out: misconfigured number. Serve the caller anyway.
    logger.warn('voice request to an unknown route', { route, callSid: event.twilioParams?.CallSid });
    return twimlResult(apologyTwiml(toWebhook(event, route)));
  }
  return twimlResult(await voiceRouteTable[route](toWebhook(event, route)));
}

export const handler = middy<VoiceEvent, HttpResult>(answerVoiceWebhook)
  .use(twilioFormBody())
  .use(twilioSignature({ authToken, ...(config.publicBaseUrl === undefined ? {} : { publicBaseUrl: config.publicBaseUrl }) }))
  .use(twimlErrorHandler({ fallbackTwiml: (event) => apologyTwiml(toWebhook(event, routeOf(event))) }));
