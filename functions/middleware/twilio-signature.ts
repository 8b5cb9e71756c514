import type middy from '@middy/core';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { logger } from '../commons/logger.js';
import { header, type HttpResult, type VoiceEvent } from './voice-event.js';
import { bareParameters } from '../twilio/parameters.js';

export type TwilioSignatureOptions = {
  /** The auth token, possibly fetched once from a secret. */
  authToken: () => Promise<string>;
  /** `PUBLIC_BASE_URL`: scheme and host (and any prefix) Twilio calls; default: from the request. */
  publicBaseUrl?: string | undefined;
};

/**
 * The URL Twilio signed: the configured public base URL, else the scheme and `Host` the request
 * reached, then the path and the raw query string exactly as received.
 */
export function publicUrl(event: VoiceEvent, publicBaseUrl: string | undefined): string {
  const base =
    publicBaseUrl ?? `${header(event, 'x-forwarded-proto') ?? 'https'}://${header(event, 'host') ?? event.requestContext.domainName}`;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return `${base}${event.rawPath}${query}`;
}

const forbidden: HttpResult = {
  statusCode: 403,
  headers: { 'content-type': 'text/plain' },
  body: 'Forbidden: X-Twilio-Signature does not match',
};

/**
 * Rejects with 403, before anything reads or writes state, every request whose X-Twilio-Signature
 * does not match the public URL, every posted parameter and the auth token (twilio's validator).
 */
export function twilioSignature(options: TwilioSignatureOptions): middy.MiddlewareObj<VoiceEvent, HttpResult> {
  const twilioSignatureBefore: middy.MiddlewareFn<VoiceEvent, HttpResult> = async (request) => {
    const { event } = request;
    const url = publicUrl(event, options.publicBaseUrl);
    const signature = header(event, 'x-twilio-signature');
    const valid = signature !== undefined && validateRequest(await options.authToken(), signature, url, event.twilioParams ?? {});
    if (!valid) {
      logger.warn('rejected a voice request with a missing or wrong signature', {
        url,
        callSid: bareParameters(event.twilioParams ?? {}).callSid,
      });
      // Returning a response from `before` ends the chain: no route runs.
      return forbidden;
    }
    event.twilioUrl = url;
    return undefined;
  };
  return { before: twilioSignatureBefore };
}
