import { logger } from '../commons/logger.js';
import { clearRinging } from '../store/presence-store.js';
import { legPrompts } from '../twiml/leg-prompts.js';
import { screeningQuery } from '../twiml/queries.js';
import { emptyResponse, hangup, screenLeg } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { CONFIRM_KEY } from '../twilio/vocabulary.js';
import { recordLeg } from './leg.js';
import type { VoiceWebhook } from './webhook.js';

/**
 * Phones that answer by themselves (SPEC section 15). An answered leg whose noun has a `url` runs it
 * before the bridge (https://www.twilio.com/docs/voice/twiml/number#url): leg-ask says the whisper
 * and asks for a 1; leg-confirm learns the key. Both answer from the signed query alone: leg-ask
 * touches no database, leg-confirm writes what the key means and reads only to free the others.
 */

/** /voice/leg-ask: the answered leg's `url` document. */
export function legAsk(webhook: VoiceWebhook): Promise<string> {
  const screening = screeningQuery.decode(webhook.query);
  const { whisper, question } = legPrompts(
    { language: screening.language },
    { groupName: screening.groupName, caller: screening.caller, whisper: screening.whisper, confirm: screening.confirm },
  );
  return Promise.resolve(screenLeg({ whisper, question, action: voiceUrl('leg-confirm', screeningQuery.encode(screening)) }));
}

/**
 * /voice/leg-confirm: the key the answered leg pressed. A 1 answers the offer: the member is busy, the
 * call was answered by them, the other members are free (as a leg's answered callback does), and the
 * empty document lets Twilio bridge. No key (a voicemail box) or another key hangs the leg up: the
 * member no longer rings for this call, and the offer goes on as not answered (dial-result).
 */
export async function legConfirm(webhook: VoiceWebhook): Promise<string> {
  const screening = screeningQuery.decode(webhook.query);
  const { member, parent, wrapUpSeconds } = screening;
  const leg = webhook.call.callSid;
  if (webhook.params.digits === CONFIRM_KEY) {
    if (member !== undefined && parent !== undefined)
      await recordLeg(webhook, { leg, parent, member, sequence: 0, status: 'in-progress', wrapUpSeconds });
    logger.info('answered leg confirmed', { leg, parent, member });
    return emptyResponse();
  }
  logger.info('answered leg did not confirm; hanging it up', { leg, parent, member, digits: webhook.params.digits });
  if (member !== undefined && parent !== undefined) await clearRinging(member, parent);
  return hangup();
}
