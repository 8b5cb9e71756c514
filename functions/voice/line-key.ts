import { logger } from '../commons/logger.js';
import { menuOf } from '../routing/waiting-line.js';
import { prompt } from '../twiml/prompts.js';
import { lineQuery } from '../twiml/queries.js';
import { leaveLine } from '../twiml/responses.js';
import { callbackOffered, offerCallback } from './callback-request.js';
import { heard, holdTwiml, placeFor, readEntry } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/** The menu's keys (SPEC 16). */
export const MENU_KEYS = { callback: '1', voicemail: '2' } as const;

/**
 * /voice/line-key: a key the caller pressed while waiting (the hold document's <Gather> action). Its
 * answer runs where the caller is, in the queue's wait, so it may only hold on or <Leave> (then the
 * <Enqueue> action, line-left, says where to). 2: leave the line to record a message for the group.
 * A key the group does not offer: said so, and the caller holds on.
 */
export async function lineKey(webhook: VoiceWebhook): Promise<string> {
  const groupId = lineQuery.decode(webhook.query).group;
  const now = epochSeconds(webhook);
  const { configuration, entry } = await readEntry(groupId, await placeFor(webhook, groupId));
  const group = configuration.groups.get(groupId);
  if (entry === undefined || group === undefined || (entry.state !== 'waiting' && entry.state !== 'joining')) return leaveLine();
  const menu = menuOf(group);
  const key = webhook.params.digits;
  if (key === MENU_KEYS.callback && callbackOffered(group, configuration, webhook.now.getTime()))
    return offerCallback(group, entry, configuration.settings);
  if (key === MENU_KEYS.voicemail && menu.voicemail) {
    logger.info('caller leaves the line to leave a message', { group: groupId });
    // Changed only if nobody else did since the read (a claim for an offer wins: the caller is rung).
    // Either way the caller leaves the queue; the <Enqueue> action reads the entry as it is then.
    await heard(entry, now, { state: 'to-voicemail' });
    return leaveLine();
  }
  return holdTwiml(group, entry, configuration, webhook.now.getTime(), [prompt(configuration.settings, 'menuUnknownKey')]);
}
