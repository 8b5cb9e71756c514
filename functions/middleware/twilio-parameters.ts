import type middy from '@middy/core';
import { parseVoiceParameters } from '../twilio/parameters.js';
import type { VoiceRoute } from '../twiml/urls.js';
import type { HttpResult, VoiceEvent } from './voice-event.js';

/**
 * Parses Twilio's parameters once, after the signature was verified, by the kind of request the
 * route receives (twilio/parameters.ts): `event.voiceParameters` holds the typed values, or the
 * parameter that is missing or malformed. A path that is none of our routes is left unparsed.
 */
export function twilioParameters(options: {
  routeOf: (event: VoiceEvent) => VoiceRoute | undefined;
}): middy.MiddlewareObj<VoiceEvent, HttpResult> {
  const twilioParametersBefore: middy.MiddlewareFn<VoiceEvent, HttpResult> = (request) => {
    const { event } = request;
    const route = options.routeOf(event);
    if (route !== undefined) event.voiceParameters = parseVoiceParameters(route, event.twilioParams ?? {});
  };
  return { before: twilioParametersBefore };
}
