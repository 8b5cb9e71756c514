import type middy from '@middy/core';
import type { HttpResult, VoiceEvent } from './voice-event.js';

/**
 * Parses Twilio's form-encoded POST body (Base64 when API Gateway says so) into `twilioParams`.
 * Every parameter is kept: the signature covers all of them, including ones Twilio adds later.
 */
export function twilioFormBody(): middy.MiddlewareObj<VoiceEvent, HttpResult> {
  const twilioFormBodyBefore: middy.MiddlewareFn<VoiceEvent, HttpResult> = (request) => {
    const { event } = request;
    const raw = event.body ?? '';
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    event.twilioParams = Object.fromEntries(new URLSearchParams(text));
  };
  return { before: twilioFormBodyBefore };
}
