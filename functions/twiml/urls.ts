/**
 * The project's own webhook routes under /voice/. Action URLs are given to Twilio relative to the
 * current document ("dial-result?..."), and Twilio resolves them against the URL it just requested,
 * so they work behind any host or path prefix without knowing the public base URL.
 */
/** The project's webhook routes under /voice/ (voice/routes.ts answers each). */
export type VoiceRoute =
  | 'incoming'
  | 'extension'
  | 'group'
  | 'dial-result'
  | 'forward-result'
  | 'voicemail-done'
  | 'recording'
  | 'status'
  | 'fallback'
  | 'leg'
  | 'leg-ask'
  | 'leg-confirm'
  | 'line-wait'
  | 'line-left'
  | 'line-key'
  | 'line-callback'
  | 'line-callback-number'
  | 'callback-member'
  | 'callback-result'
  | 'callback-status'
  | 'line-offer'
  | 'line-offer-result'
  | 'outbound'
  | 'pickup-bridge'
  | 'pickup-left'
  | 'pickup-result';

export function voiceUrl(route: VoiceRoute, query: Readonly<Record<string, string>> = {}): string {
  const search = new URLSearchParams(query).toString();
  return search === '' ? route : `${route}?${search}`;
}
