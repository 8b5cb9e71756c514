import type { Group, Settings } from '../commons/schemas.js';
import { screeningFor, type Screening } from '../routing/confirmation.js';
import type { DialNoun } from '../twiml/dial-limits.js';
import { screeningQuery } from '../twiml/queries.js';
import type { LegScreening } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import type { VoiceWebhook } from './webhook.js';

/**
 * What an offer's legs hear before the bridge (SPEC section 15): the `url` of each noun that must
 * confirm or hear a whisper, pointing at /voice/leg-ask with everything it says in its signed query
 * (screening.ts answers it). Apart from the routes, so that the offers (group-flow.ts,
 * waiting-line.ts) need not import what the routes import.
 */

/** The caller as the whisper names them: a phone number, else nobody (a softphone's identity is no number). */
function callerNumber(webhook: VoiceWebhook): string | undefined {
  const from = webhook.call.from;
  return from !== undefined && /^\+[1-9][0-9]{6,14}$/.test(from) ? from : undefined;
}

function screeningUrl(
  webhook: VoiceWebhook,
  group: Group,
  settings: Pick<Settings, 'language'>,
  screening: Screening,
  member: string | undefined,
): LegScreening {
  const query = screeningQuery.encode({
    group: group.id,
    groupName: group.name,
    caller: callerNumber(webhook),
    language: settings.language,
    confirm: screening.confirm,
    whisper: screening.whisper,
    member,
    parent: member === undefined ? undefined : webhook.call.callSid,
    wrapUpSeconds: member === undefined ? undefined : group.wrapUpSeconds,
  });
  return { url: voiceUrl('leg-ask', query), confirm: screening.confirm };
}

/** What each noun of an offer in `group` hears before the bridge (routing/confirmation.ts decides). */
export function offerScreening(
  webhook: VoiceWebhook,
  group: Group,
  settings: Pick<Settings, 'language'>,
): (noun: DialNoun) => LegScreening | undefined {
  return (noun) => {
    const screening = screeningFor(group, noun.kind === 'number' ? 'phone' : noun.kind);
    return screening === undefined ? undefined : screeningUrl(webhook, group, settings, screening, noun.member);
  };
}

/** What a forward to a mobile or a number hears before the bridge. */
export function forwardScreening(webhook: VoiceWebhook, group: Group, settings: Pick<Settings, 'language'>): LegScreening | undefined {
  const screening = screeningFor(group, 'forward');
  return screening === undefined ? undefined : screeningUrl(webhook, group, settings, screening, undefined);
}
