import { countApology } from '../commons/metrics.js';
import { defaultSettings } from '../commons/schemas.js';
import { cachedConfiguration } from '../store/configuration.js';
import { contextFromQuery, lastOffered, onlyMember, type CallContext } from '../routing/call-context.js';
import { voicemailTwiml } from './voicemail.js';
import type { VoiceWebhook } from './webhook.js';

/** The call context of our own URL, or, for the number's Fallback URL, of the `ErrorUrl` Twilio reports. */
function knownContext(webhook: VoiceWebhook): CallContext | undefined {
  const own = contextFromQuery(webhook.query);
  if (own.ok) return own.context;
  const errorUrl = webhook.params.errorUrl;
  if (errorUrl === undefined || !URL.canParse(errorUrl)) return undefined;
  const reported = contextFromQuery(Object.fromEntries(new URL(errorUrl).searchParams));
  return reported.ok ? reported.context : undefined;
}

/**
 * What a caller gets when we cannot do better: an apology and a voicemail, built without touching
 * the database (SPEC section 12): the settings are the ones this instance last read, if any. Without the database we cannot know who could ring, so the message
 * is left for the group (and member) the call context names, when it names one.
 */
export function apologyTwiml(webhook: VoiceWebhook): string {
  // Every way to the apology passes here (fault answers, the Fallback URL, the error handler): one count each.
  countApology();
  const context = knownContext(webhook);
  const member = context === undefined ? undefined : (lastOffered(context) ?? onlyMember(context));
  // The company's own apology and language when this instance has seen its settings: read from
  // memory, since the database may be what failed; else the built-in English.
  const settings = cachedConfiguration()?.settings ?? defaultSettings;
  return voicemailTwiml(webhook, settings, { group: context?.group, member }, { promptName: 'apology' });
}

/** /voice/fallback: the number's Fallback URL; works with the database down. */
export async function fallback(webhook: VoiceWebhook): Promise<string> {
  return apologyTwiml(webhook);
}
