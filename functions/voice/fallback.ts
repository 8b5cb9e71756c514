import { defaultSettings } from '../commons/schemas.js';
import { voicemailTwiml } from './voicemail.js';
import type { VoiceWebhook } from './webhook.js';

/**
 * What a caller gets when we cannot do better: an apology and a voicemail, built without touching
 * the database (SPEC section 12). The group comes from our own URL when we know it; for the number's
 * Fallback URL, from the `ErrorUrl` Twilio reports.
 */
export function apologyTwiml(webhook: VoiceWebhook): string {
  let group = webhook.query.g;
  const errorUrl = webhook.params.ErrorUrl;
  if (group === undefined && errorUrl !== undefined && URL.canParse(errorUrl)) group = new URL(errorUrl).searchParams.get('g') ?? undefined;
  return voicemailTwiml(webhook, defaultSettings, { group, member: webhook.query.m }, { promptName: 'apology' });
}

/** /voice/fallback: the number's Fallback URL; works with the database down. */
export async function fallback(webhook: VoiceWebhook): Promise<string> {
  return apologyTwiml(webhook);
}
