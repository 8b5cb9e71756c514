import type middy from '@middy/core';
import { logger } from '../commons/logger.js';
import { hangup } from '../twiml/responses.js';
import { twimlResult, type HttpResult, type VoiceEvent } from './voice-event.js';

/**
 * The last line of defence of the voice webhooks (SPEC section 12): any unexpected failure is logged
 * (the CallSid is in every line of the request) and answered with TwiML that still serves the caller, never a 5xx that would make
 * Twilio play its "application error" message. Like middy's http-error-handler it leaves a response
 * that is already set alone and never puts internals into the answer.
 */
export function twimlErrorHandler(options: { fallbackTwiml: (event: VoiceEvent) => string }): middy.MiddlewareObj<VoiceEvent, HttpResult> {
  const twimlErrorHandlerOnError: middy.MiddlewareFn<VoiceEvent, HttpResult> = (request) => {
    if (request.response !== undefined && request.response !== null) return;
    logger.error('voice webhook failed; answering with fallback TwiML', request.error, { path: request.event.rawPath });
    let twiml: string;
    try {
      twiml = options.fallbackTwiml(request.event);
    } catch (fallbackError) {
      logger.error('fallback TwiML failed too', fallbackError);
      twiml = hangup();
    }
    request.response = twimlResult(twiml);
  };
  return { onError: twimlErrorHandlerOnError };
}
