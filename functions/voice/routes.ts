import type { VoiceRoute } from '../twiml/urls.js';
import { dialResult, forwardResult } from './dial-results.js';
import { fallback } from './fallback.js';
import { extension, group, incoming } from './incoming.js';
import { recording, voicemailDone } from './voicemail.js';
import { leg } from './leg.js';
import { legAsk, legConfirm } from './screening.js';
import { outbound, pickupBridge, pickupLeft, pickupResult } from './outbound.js';
import { status } from './status.js';
import { lineKey } from './line-key.js';
import { lineCallback, lineCallbackNumber } from './callback-request.js';
import { callbackMember, callbackResult, callbackStatus } from './callback-calls.js';
import { lineLeft } from './line-left.js';
import { lineOffer, lineOfferResult, lineWait } from './waiting-line.js';
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
  status,
  fallback,
  leg,
  'leg-ask': legAsk,
  'leg-confirm': legConfirm,
  'line-wait': lineWait,
  'line-left': lineLeft,
  'line-key': lineKey,
  'line-callback': lineCallback,
  'line-callback-number': lineCallbackNumber,
  'callback-member': callbackMember,
  'callback-result': callbackResult,
  'callback-status': callbackStatus,
  'line-offer': lineOffer,
  'line-offer-result': lineOfferResult,
  outbound,
  'pickup-bridge': pickupBridge,
  'pickup-left': pickupLeft,
  'pickup-result': pickupResult,
};

export function isVoiceRoute(route: string): route is VoiceRoute {
  return Object.hasOwn(voiceRouteTable, route);
}

/**
 * Routes whose first DynamoDB request is a read by construction (the configuration's version read
 * with what the decision needs), or that make none (leg-ask answers from its signed query while the
 * member waits to hear it): the handler does not read the version before them, saving a round trip.
 * test/handlers/round-trips.test.ts checks that their first requests are reads.
 */
const READS_FIRST: ReadonlySet<VoiceRoute> = new Set<VoiceRoute>([
  'incoming',
  'extension',
  'group',
  'dial-result',
  'forward-result',
  'voicemail-done',
  'line-wait',
  'line-left',
  'line-key',
  'line-callback',
  'line-callback-number',
  'callback-member',
  'callback-result',
  'callback-status',
  'line-offer',
  'line-offer-result',
  'outbound',
  'status',
  'fallback',
  'leg-ask',
]);

export function readsFirst(route: VoiceRoute): boolean {
  return READS_FIRST.has(route);
}
