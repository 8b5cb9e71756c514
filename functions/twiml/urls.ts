/**
 * The project's own webhook routes under /voice/. Action URLs are given to Twilio relative to the
 * current document ("dial-result?..."), and Twilio resolves them against the URL it just requested,
 * so they work behind any host or path prefix without knowing the public base URL.
 */
export const voiceRoutes = {
  incoming: 'incoming',
  extension: 'extension',
  group: 'group',
  dialResult: 'dial-result',
  forwardResult: 'forward-result',
  voicemailDone: 'voicemail-done',
  recording: 'recording',
  status: 'status',
  fallback: 'fallback',
  leg: 'leg',
  lineWait: 'line-wait',
  lineLeft: 'line-left',
  lineOffer: 'line-offer',
  lineOfferResult: 'line-offer-result',
  outbound: 'outbound',
  pickupBridge: 'pickup-bridge',
  pickupLeft: 'pickup-left',
  pickupResult: 'pickup-result',
} as const;
export type VoiceRoute = (typeof voiceRoutes)[keyof typeof voiceRoutes];

export function voiceUrl(route: VoiceRoute, query: Readonly<Record<string, string>> = {}): string {
  const search = new URLSearchParams(query).toString();
  return search === '' ? route : `${route}?${search}`;
}
