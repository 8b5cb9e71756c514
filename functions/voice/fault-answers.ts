import { legAsk } from './screening.js';
import { CONFIRM_KEY, DIAL_NOT_BRIDGED } from '../twilio/vocabulary.js';
import { defaultSettings } from '../commons/schemas.js';
import { contextFromQuery, startInGroup } from '../routing/call-context.js';
import { cachedConfiguration } from '../store/configuration.js';
import { prompt } from '../twiml/prompts.js';
import { emptyResponse, hangup, hold, messageThenHangup } from '../twiml/responses.js';
import type { VoiceRoute } from '../twiml/urls.js';
import { apologyTwiml } from './fallback.js';
import { bestEffortInGroup } from './group-flow.js';
import { extensionOwner } from './incoming.js';
import { enqueueTwiml, holdMusicOf } from './waiting-line.js';
import type { VoiceWebhook } from './webhook.js';
import { lineQuery } from '../twiml/queries.js';
import { DIAL_ANSWERED } from '../twilio/vocabulary.js';

/** The caller's <Enqueue> again, from the line and place our own URL carries. */
function backIntoLine(webhook: VoiceWebhook): string {
  const { group, place } = lineQuery.decode(webhook.query);
  return enqueueTwiml({ id: group }, place);
}

/**
 * What each webhook answers when its work failed or ran out of time (SPEC sections 12 and 13): built
 * from the request and the configuration this instance last saw, without a single request, so the
 * caller is served whatever the database does. Ringing routes ring the members best effort; a waitUrl
 * answers hold music; callbacks whose loss costs nothing lasting get an empty answer. `undefined`
 * means: answer with an HTTP error instead (the recording callback, which Twilio may retry and the
 * reconciliation recovers).
 */
export async function faultAnswer(route: string, webhook: VoiceWebhook): Promise<string | undefined> {
  const configuration = cachedConfiguration();
  const settings = configuration?.settings ?? defaultSettings;
  const context = contextFromQuery(webhook.query);
  const dialStatus = webhook.params.dialCallStatus;
  const callerGone = webhook.params.callStatus === 'completed';
  switch (route as VoiceRoute) {
    case 'incoming': {
      if (configuration === undefined) return apologyTwiml(webhook);
      const number = webhook.call.to === undefined ? undefined : configuration.numbers.get(webhook.call.to);
      // A number the cached configuration does not know may have been added since: we cannot tell a
      // caller it is not in service, but they can leave a message.
      if (number === undefined) return apologyTwiml(webhook);
      if (number.group === undefined) return messageThenHangup(prompt(settings, 'noGroup'));
      return bestEffortInGroup(webhook, configuration, startInGroup(number.group));
    }
    case 'extension': {
      if (configuration === undefined || !context.ok) return apologyTwiml(webhook);
      const owner = extensionOwner(configuration, (webhook.params.digits ?? '').replace(/#$/, ''));
      if (owner?.kind === 'group') return bestEffortInGroup(webhook, configuration, startInGroup(owner.id));
      return bestEffortInGroup(
        webhook,
        configuration,
        owner?.kind === 'user'
          ? startInGroup(context.context.group, [], { kind: 'member-extension', member: owner.id })
          : startInGroup(context.context.group),
      );
    }
    case 'group':
    case 'dial-result':
      if ((dialStatus !== undefined && DIAL_ANSWERED.has(dialStatus) && webhook.params.dialBridged !== DIAL_NOT_BRIDGED) || callerGone)
        return hangup();
      if (configuration === undefined || !context.ok) return apologyTwiml(webhook);
      return bestEffortInGroup(webhook, configuration, context.context);
    case 'line-wait':
    case 'line-key':
    case 'line-callback':
    case 'line-callback-number':
      // The caller holds on; the next hold-music request tries again.
      return hold({ music: holdMusicOf(configuration, webhook.call.to) });
    case 'line-offer':
      return backIntoLine(webhook);
    case 'line-offer-result':
      if ((dialStatus !== undefined && DIAL_ANSWERED.has(dialStatus) && webhook.params.dialBridged !== DIAL_NOT_BRIDGED) || callerGone)
        return hangup();
      return backIntoLine(webhook);
    case 'line-left': {
      const result = webhook.params.queueResult;
      if (result === 'hangup') return hangup();
      if (result === 'redirected' || result === 'redirected-from-bridged' || result === 'bridged' || result === 'bridging-in-process')
        return emptyResponse();
      return apologyTwiml(webhook);
    }
    case 'voicemail-done':
      return messageThenHangup(prompt(settings, 'voicemailThanks'));
    case 'recording':
      return undefined;
    case 'leg-ask':
      return legAsk(webhook);
    case 'leg-confirm':
      // The key decides whether Twilio bridges; what it would record expires or is found later.
      return webhook.params.digits === CONFIRM_KEY ? emptyResponse() : hangup();
    case 'callback-member':
    case 'callback-result':
      // The member's side of a callback: its status callback puts the callback back in its place.
      return hangup();
    case 'status':
    case 'leg':
    case 'callback-status':
      // Marks and entries expire or are found gone later; nothing the caller hears depends on these.
      return emptyResponse();
    case 'forward-result':
      if ((dialStatus !== undefined && DIAL_ANSWERED.has(dialStatus)) || callerGone) return hangup();
      return apologyTwiml(webhook);
    default:
      return apologyTwiml(webhook);
  }
}
