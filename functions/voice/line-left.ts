import { logger } from '../commons/logger.js';
import { afterQueueAction, waitForAgentOf, type WaitingCaller } from '../routing/waiting-line.js';
import { noteAbandoned } from '../store/call-store.js';
import { clearRinging } from '../store/presence-store.js';
import { lineQuery } from '../twiml/queries.js';
import { emptyResponse, hangup } from '../twiml/responses.js';
import { runLineAction } from './group-flow.js';
import { recordEvents } from '../store/ledger-store.js';
import { voicemailTwiml } from './voicemail.js';
import { enqueueTwiml, heard, leave, lineOfferTwiml, placeFor, readEntry } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/**
 * /voice/line-left: the <Enqueue> action, for every QueueResult. Apart from the rest of the line
 * because a caller leaving for one of the line's actions (SPEC 16: waited too long, nobody available)
 * runs it as the group's missed-call action (group-flow.ts, which itself joins callers to the line).
 */
export async function lineLeft(webhook: VoiceWebhook): Promise<string> {
  const groupId = lineQuery.decode(webhook.query).group;
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const result = webhook.params.queueResult;
  const { configuration, entry } = await readEntry(groupId, await placeFor(webhook, groupId));
  const group = configuration.groups.get(groupId);
  const line = group === undefined ? undefined : waitForAgentOf(group);
  const counted = line?.maxCallers !== undefined;
  const settings = configuration.settings;
  // The stay in Twilio's queue is over: it counts toward maxWaitSeconds.
  const stay = webhook.params.queueTime ?? 0;
  const withStay = async (current: WaitingCaller): Promise<WaitingCaller> =>
    (await heard(current, now, stay > 0 ? { waitedBefore: current.waitedBefore + stay } : {})) ?? current;
  const step = afterQueueAction(result, entry, group !== undefined);
  switch (step) {
    case 'ring-claimed':
      return entry !== undefined && group !== undefined
        ? lineOfferTwiml(webhook, group, await withStay(entry), configuration)
        : voicemailTwiml(webhook, settings, { group: groupId, member: undefined });
    case 'max-wait':
    case 'nobody-available':
      // The line's own action for it (voicemail unless set), as the group's missed-call action.
      if (entry !== undefined) await leave(entry, now, stay, counted);
      if (group === undefined) return voicemailTwiml(webhook, settings, { group: groupId, member: undefined });
      return step === 'max-wait'
        ? runLineAction(webhook, group, configuration, line?.whenMaxWait, 'max-wait')
        : runLineAction(webhook, group, configuration, line?.whenNobodyAvailable, 'nobody-available');
    case 'voicemail':
      // Asked for voicemail from the menu (or the entry is gone): the caller can leave a message.
      if (entry !== undefined)
        await Promise.all([
          leave(entry, now, stay, counted),
          recordEvents(webhook.call.callSid, [
            { event: { kind: 'missed-call-action', at: webhook.now.getTime(), group: groupId, action: 'voicemail', why: 'menu' } },
          ]),
        ]);
      return voicemailTwiml(webhook, settings, { group: groupId, member: group?.members[0] });
    case 'back-into-line':
      if (entry !== undefined) await withStay(entry);
      return group === undefined
        ? voicemailTwiml(webhook, settings, { group: groupId, member: undefined })
        : enqueueTwiml(group, entry?.place);
    case 'callback-kept':
      return hangup();
    case 'abandoned':
      // Abandoned first: a status callback that finds the entry gone then reads the call as abandoned.
      await noteAbandoned(callSid, 'waiting');
      if (entry !== undefined) {
        await leave(entry, now, stay, counted);
        await Promise.all(entry.offeredTo.map((member) => clearRinging(member, callSid)));
      }
      return hangup();
    case 'moved-on':
      // The call runs other TwiML now (our offer, or a bridge); this answer is not used.
      if (entry !== undefined) await withStay(entry);
      return emptyResponse();
    case 'failed':
      logger.warn('the waiting line failed; offering voicemail', { group: groupId, queueResult: result });
      if (entry !== undefined) await leave(entry, now, stay, counted);
      return voicemailTwiml(webhook, settings, { group: groupId, member: group?.members[0] });
    default:
      return step satisfies never;
  }
}
