import type middy from '@middy/core';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { logger } from '../commons/logger.js';
import { header, type HttpResult, type VoiceEvent } from './voice-event.js';
import { bareParameters } from '../twilio/parameters.js';

export type TwilioSignatureOptions = {
  /**
   * The auth token (possibly read from a secret and cached), and `reread`, which reads it again at
   * once unless that was done moments ago (commons/auth-token.ts).
   */
  authToken: (() => Promise<string>) & { reread?: () => Promise<string | undefined> };
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
    const params = event.twilioParams ?? {};
    const token = await options.authToken();
    let valid = signature !== undefined && validateRequest(token, signature, url, params);
    if (!valid && signature !== undefined && options.authToken.reread !== undefined) {
      // A signature that does not match may be Twilio's with a token rotated since the cached one was
      // read: read the secret again (at most once per interval, so forgeries cannot flood Secrets
      // Manager) and check once more.
      const fresh = await options.authToken.reread();
      valid = fresh !== undefined && fresh !== token && validateRequest(fresh, signature, url, params);
      if (valid) logger.info('the auth token changed; a request was verified with the token read again');
    }
    if (!valid) {
      logger.warn('rejected a voice request with a missing or wrong signature', {
        url,
        // Unverified: what the request claims.
        callSid: bareParameters(params).callSid,
      });
      // Returning a response from `before` ends the chain: no route runs.
      return forbidden;
    }
    event.twilioUrl = url;
    return undefined;
  };
  return { before: twilioSignatureBefore };
}
