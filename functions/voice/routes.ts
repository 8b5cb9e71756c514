import { emptyResponse } from '../twiml/responses.js';
import type { VoiceRoute } from '../twiml/urls.js';
import { dialResult, forwardResult } from './dial-results.js';
import { fallback } from './fallback.js';
import { extension, group, incoming } from './incoming.js';
import { recording, voicemailDone } from './voicemail.js';
import type { VoiceWebhook } from './webhook.js';

/** Every /voice/ route and what answers it. */
export const voiceRouteTable: Readonly<Record<VoiceRoute, (webhook: VoiceWebhook) => Promise<string>>> = {
  incoming,
  extension,
  group,
  'dial-result': dialResult,
  'forward-result': forwardResult,
  'voicemail-done': voicemailDone,
  recording,
  // The call status callback: the presence work gives it the call's end-of-life bookkeeping.
  status: async () => emptyResponse(),
  fallback,
};

export function isVoiceRoute(route: string): route is VoiceRoute {
  return Object.hasOwn(voiceRouteTable, route);
}
