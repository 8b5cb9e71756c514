import { logger } from '../commons/logger.js';
import { contextFromQuery, type CallContext } from '../routing/call-context.js';
import { ringAgainAfterDecline } from '../routing/confirmation.js';
import { DIAL_NOT_BRIDGED } from '../twilio/vocabulary.js';
import { getCall, noteAbandoned, noteAnsweredBy } from '../store/call-store.js';
import { currentConfiguration } from '../store/configuration.js';
import { clearBusy, clearRinging, readPresence, type BusyEnded } from '../store/presence-store.js';
import type { Presence } from '../routing/eligibility.js';
import { forwardQuery } from '../twiml/queries.js';
import { emptyResponse, hangup } from '../twiml/responses.js';
import { dialOutcome, unansweredStatus, type DialOutcome } from '../routing/dial-outcome.js';
import { recordEvents, type EventWrite } from '../store/ledger-store.js';
import { InvalidWebhookError } from './errors.js';
import { continueInGroup } from './group-flow.js';
import { voicemailTwiml } from './voicemail.js';
import { afterCallsEnded, dispatcherOf } from './waiting-line.js';
import { isOwnRedirect } from './own-redirects.js';
import { countMisses } from './misses.js';
import { epochSeconds, eventSeconds, type VoiceWebhook } from './webhook.js';

/** The routing core's reading of a <Dial>'s status, logged when Twilio sent a value it does not document. */
function outcomeOf(dialCallStatus: string | undefined, dialBridged?: string): DialOutcome {
  const { outcome, known } = dialOutcome(dialCallStatus);
  if (!known) logger.warn('unexpected DialCallStatus; treating the offer as not answered', { dialCallStatus });
  // A leg that answered but was never bridged hung up in its `url` document: it did not confirm (SPEC 15).
  if (outcome === 'answered' && dialBridged === DIAL_NOT_BRIDGED) return 'not-answered';
  return outcome;
}

/**
 * A screened leg hung up (`DialBridged=false`): a voicemail box, or a member who pressed no 1. If the
 * other nouns were cancelled at its answer (one reading of Twilio's docs), the <Dial> ended with it,
 * with `completed` or `no-answer` (the docs do not say), and the others never had their ring time.
 * Since a <Dial> whose others rang out looks the same, all-at-once rings the members still ringing for
 * this call (not the one who declined) once more: a member is never lost to a voicemail box, at the
 * cost of a second ring when nobody answered them anyway (docs/decisions.md).
 */
async function ringAgainIfCutShort(webhook: VoiceWebhook, context: CallContext, ringing: readonly string[]): Promise<readonly string[]> {
  const endedByDecline = webhook.params.dialBridged === DIAL_NOT_BRIDGED;
  if (!endedByDecline || ringing.length < 2) return [];
  const [configuration, marks] = await Promise.all([currentConfiguration(), readPresence(ringing)]);
  const group = configuration.groups.get(context.group);
  if (group === undefined) return [];
  const callSid = webhook.call.callSid;
  const again = ringAgainAfterDecline({
    distribution: group.distribution,
    endedByDecline,
    offerMembers: ringing,
    stillRinging: new Set(ringing.filter((member) => marks.get(member)?.ringingCall === callSid)),
  });
  if (again.length > 0)
    logger.info('a declined confirmation cut the offer short; ringing the others again', { group: group.id, members: again });
  return again;
}

/** The ledger's event of an offer that rang out (its key is the offer's: how many were offered before it). */
function notAnswered(webhook: VoiceWebhook, context: CallContext, ringing: readonly string[]): EventWrite {
  const at = webhook.now.getTime();
  return {
    event: {
      kind: 'not-answered',
      at,
      group: context.group,
      members: ringing,
      ringSeconds: context.offeredAtMs === undefined ? 0 : Math.max(0, Math.round((at - context.offeredAtMs) / 1000)),
      status: unansweredStatus(webhook.params.dialCallStatus, webhook.params.dialBridged),
    },
    index: String(context.offered.length - ringing.length),
  };
}

/** Twilio still requests the action after the caller hung up; then there is nobody left to serve. */
function callerHungUp(webhook: VoiceWebhook): boolean {
  return webhook.params.callStatus === 'completed';
}

/**
 * The offer is over: its members stop ringing (and the one who answered and hung up stops being busy,
 * should the leg's own callback be lost). The freed members are offered to waiting callers at once.
 */
async function endOffer(
  webhook: VoiceWebhook,
  members: readonly string[],
  outcome: DialOutcome,
  marks: ReadonlyMap<string, Presence>,
): Promise<void> {
  const { callSid } = webhook.call;
  const leg = webhook.params.dialCallSid;
  // The <Dial>'s own status is a signal of the outcome too (SPEC 13): one member rang, so it was theirs.
  const [only, ...others] = members;
  const answeredAt = eventSeconds(webhook) - (webhook.params.dialCallDuration ?? 0);
  // Only marks the offer still holds (as read) are written: the leg callbacks usually cleared them.
  const now = epochSeconds(webhook);
  // Who talked: the member whose busy mark is this <Dial>'s leg (or the only one rung). Twilio asks for
  // the action of a bridged <Dial> when the member hung up, and after the caller did with the call
  // completed: so it says who ended the talk (SPEC 17's COMPLETEAGENT / COMPLETECALLER).
  const talked =
    outcome === 'answered'
      ? (members.find((member) => leg !== undefined && marks.get(member)?.busyLeg === leg) ?? (others.length === 0 ? only : undefined))
      : undefined;
  const at = webhook.now.getTime();
  const [freed] = await Promise.all([
    Promise.all(
      members.map(async (member): Promise<BusyEnded | undefined> => {
        const held = marks.get(member);
        const [stoppedRinging, stoppedTalking] = await Promise.all([
          held?.ringingCall === callSid ? clearRinging(member, callSid) : false,
          outcome === 'answered' && leg !== undefined && held?.busyLeg === leg ? clearBusy(member, leg, now, held.busyWrapUp) : undefined,
        ]);
        return stoppedTalking ?? (stoppedRinging ? { member, wrapUpUntil: now } : undefined);
      }),
    ),
    outcome === 'answered' && only !== undefined && others.length === 0 ? noteAnsweredBy(callSid, only, answeredAt) : undefined,
    talked === undefined
      ? undefined
      : recordEvents(callSid, [
          { event: { kind: 'answered', at: answeredAt * 1000, member: talked, leg } },
          { event: { kind: 'talk-ended', at, member: talked, hungUpBy: callerHungUp(webhook) ? 'caller' : 'member' } },
        ]),
  ]);
  await afterCallsEnded(
    freed.filter((ended): ended is BusyEnded => ended !== undefined),
    dispatcherOf(webhook),
  );
}

/**
 * /voice/dial-result: an offer ended; answered ends the call, otherwise distribution goes on. The
 * caller still waiting is served in two round trips: one read (with the call when the <Dial> was
 * canceled, which may be our own redirect), then the next offer, which ends this one in the same write.
 */
export async function dialResult(webhook: VoiceWebhook): Promise<string> {
  const parsed = contextFromQuery(webhook.query);
  if (!parsed.ok) throw new InvalidWebhookError(parsed.problem);
  const status = webhook.params.dialCallStatus;
  const outcome = outcomeOf(status, webhook.params.dialBridged);
  const ringing = parsed.context.ringing ?? [];
  const canceledOfferAtMs = status === 'canceled' ? parsed.context.offeredAtMs : undefined;
  if (outcome === 'not-answered' && !callerHungUp(webhook)) {
    const again = await ringAgainIfCutShort(webhook, parsed.context, ringing);
    // Members rung again keep their marks: the next offer claims them for this call once more.
    const context = { ...parsed.context, offered: parsed.context.offered.filter((member) => !again.includes(member)) };
    const release = ringing.filter((member) => !again.includes(member));
    // The offer rang out at them (a <Dial> canceled by a redirect is no miss), side by side with the next offer.
    // The ledger's event of the offer that ended is written with the next decision's write, after its
    // read: a webhook whose read fails (a database that hangs) writes nothing.
    const events = status === 'canceled' ? [] : [notAnswered(webhook, parsed.context, ringing)];
    const [twiml] = await Promise.all([
      continueInGroup(webhook, context, { release, canceledOfferAtMs, events }),
      status === 'canceled' ? undefined : countMisses(webhook.call.callSid, parsed.context, release),
    ]);
    return twiml;
  }
  // Read first (SPEC 13): the call when the <Dial> was canceled, else the configuration's version.
  const [call, , marks] = await Promise.all([
    canceledOfferAtMs === undefined ? undefined : getCall(webhook.call.callSid),
    currentConfiguration(),
    readPresence(ringing),
  ]);
  // Our own REST redirect (pickup, a waiting-line offer) interrupted this offer: nothing to do here.
  if (isOwnRedirect(call, status, canceledOfferAtMs)) return emptyResponse();
  // Abandoned first: a status callback that finds the offer's marks cleared then reads it.
  if (outcome === 'not-answered') await noteAbandoned(webhook.call.callSid, 'ringing');
  await endOffer(webhook, ringing, outcome, marks);
  return hangup();
}

/** /voice/forward-result: a forward to a mobile or number ended; unanswered, the caller may leave a message. */
export async function forwardResult(webhook: VoiceWebhook): Promise<string> {
  if (outcomeOf(webhook.params.dialCallStatus, webhook.params.dialBridged) === 'answered' || callerHungUp(webhook)) return hangup();
  return voicemailTwiml(webhook, (await currentConfiguration()).settings, forwardQuery.decode(webhook.query));
}
