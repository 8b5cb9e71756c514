import { logger } from '../commons/logger.js';
import { defaultSettings, type Group, type Member, type Settings } from '../commons/schemas.js';
import { contextToQuery, withOffered, type CallContext } from '../routing/call-context.js';
import { nextOffer, type NextOffer } from '../routing/distribution.js';
import type { Presence, PresenceView } from '../routing/eligibility.js';
import { missedCallStep } from '../routing/missed-call.js';
import { offeredUpdate } from '../store/call-store.js';
import { getGroupState, getMembersWithPresence } from '../store/config-store.js';
import type { StoredItem } from '../store/items.js';
import { markTogether, ringingUpdate, type RingingMark } from '../store/presence-store.js';
import { recordEvenlyOffer } from '../store/rotation-store.js';
import { listLine } from '../store/line-store.js';
import { waitingCallers } from '../routing/waiting-line.js';
import { dialTimeoutSeconds, planDial, type DialPlan } from '../twiml/dial-limits.js';
import type { Prompt } from '../twiml/prompts.js';
import { forward, hangup, offer } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { voicemailTwiml } from './voicemail.js';
import { joinWaitingLine } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/** Seconds a ringing mark outlives the offer's own ring time (Twilio's 5 s buffer and webhook delays). */
export const RINGING_MARGIN_SECONDS = 60;

/** The members a group's decisions may need: its members and the forward-to-mobile member. */
function memberIdsOf(group: Group, context: CallContext): string[] {
  const action = group.whenNobodyAnswers;
  return [
    ...group.members,
    ...(context.member === undefined ? [] : [context.member]),
    ...(action.action === 'forward-to-mobile' && action.member !== undefined ? [action.member] : []),
  ];
}

export function ringingMarks(plan: DialPlan, callSid: string, group: Group, now: number): RingingMark[] {
  const until = now + dialTimeoutSeconds(group.rings) + 5 + RINGING_MARGIN_SECONDS;
  return plan.members.map((member) => ({ member: member.id, callSid, group: group.id, until }));
}

/** A member someone else marked first counts as ringing for the rest of this decision. */
function takenPresence(now: number): Presence {
  return { ringingCall: 'taken-by-another-call', ringingUntil: now + RINGING_MARGIN_SECONDS };
}

/**
 * Choose the offer and mark its members ringing, as one conditional write (with the evenly record,
 * when evenly): two calls arriving together never get the same member, and a member on a call or
 * ringing for another call is never offered this one (SPEC sections 4 and 5).
 */
async function makeOffer(group: Group, members: ReadonlyMap<string, Member>, presence: Map<string, Presence>, context: CallContext, callSid: string, now: number, rotationItem: StoredItem | undefined): Promise<NextOffer> {
  // The writes that make an offer: each member's ringing mark (only if free) and the call's record of it.
  const offerWrites = (plan: DialPlan) => [
    ...ringingMarks(plan, callSid, group, now).map((mark) => ({ Update: ringingUpdate(mark, now) })),
    { Update: offeredUpdate(callSid, group.id, plan.members.map((member) => member.id), now) },
  ];
  const view: PresenceView = { byMember: presence, now, callSid };
  if (group.distribution === 'evenly' && context.member === undefined) {
    const recorded = await recordEvenlyOffer(
      group.id,
      `${callSid}:${group.id}:${context.offered.length}`,
      (rotation, taken) => {
        for (const member of taken) presence.set(member, takenPresence(now));
        const decision = nextOffer(group, members, context, rotation, view);
        return decision.kind === 'offer' ? decision.plan.members[0]?.id : undefined;
      },
      {
        known: { item: rotationItem },
        alongside: (memberId) => {
          const member = members.get(memberId);
          return member === undefined ? [] : offerWrites(planDial([member]));
        },
      },
    );
    const member = recorded.member === undefined ? undefined : members.get(recorded.member);
    return member === undefined ? { kind: 'nobody-left' } : { kind: 'offer', plan: planDial([member]) };
  }
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const decision = nextOffer(group, members, context, undefined, view);
    if (decision.kind !== 'offer') return decision;
    const taken = await markTogether(offerWrites(decision.plan), decision.plan.members.map((member) => member.id));
    if (taken === undefined) return decision;
    for (const member of taken) presence.set(member, takenPresence(now));
  }
  return { kind: 'nobody-left' };
}



/**
 * The heart of a call: distribute it in `context.group` (SPEC section 4) until an offer is made, or
 * run the group's missed-call action (SPEC section 6). `lead` is said first (e.g. "unknown extension").
 */
export async function continueInGroup(webhook: VoiceWebhook, context: CallContext, options: { lead?: Prompt; settings?: Settings } = {}): Promise<string> {
  const callSid = webhook.params.CallSid ?? 'unknown-call';
  const now = epochSeconds(webhook);
  const state = await getGroupState(context.group, options.settings === undefined);
  const { group, rotationItem } = state;
  const settings = options.settings ?? state.settings ?? defaultSettings;
  if (group === undefined) {
    // Admin writes keep references intact, so this is a group deleted mid-call: the caller can still leave a message.
    logger.warn('call reached a group that does not exist; offering voicemail', { callSid, group: context.group });
    return voicemailTwiml(webhook, settings, { group: context.group, member: undefined }, options.lead === undefined ? {} : { lead: options.lead });
  }
  // Callers are served in the order they came: while others wait in this group's line, a new caller
  // joins it at the back instead of taking a member who just became free.
  if (group.whenNobodyAnswers.action === 'wait-for-agent' && context.member === undefined && context.offered.length === 0) {
    const waiting = waitingCallers(await listLine(group.id)).filter((caller) => caller.callSid !== callSid);
    if (waiting.length > 0) return joinWaitingLine(webhook, group, options.lead);
  }
  const { members, presence } = await getMembersWithPresence(memberIdsOf(group, context));
  const decision = await makeOffer(group, members, presence, context, callSid, now, rotationItem);

  if (decision.kind === 'offer') {
    const ids = decision.plan.members.map((member) => member.id);
    const offered = { ...withOffered(context, ids), ringing: ids };
    logger.info('offer', { callSid, group: group.id, members: ids });
    return offer({
      nouns: decision.plan.nouns,
      rings: group.rings,
      action: voiceUrl('dial-result', contextToQuery(offered)),
      legCallback: (member) => voiceUrl('leg', { m: member }),
      ...(options.lead === undefined ? {} : { before: options.lead }),
      ...(context.callerId === undefined ? {} : { callerId: context.callerId }),
    });
  }

  const step = missedCallStep(group, members, context);
  logger.info('nobody answered', { callSid, group: group.id, step: step.kind, ...('reason' in step ? { reason: step.reason } : {}) });
  switch (step.kind) {
    case 'voicemail':
      return voicemailTwiml(webhook, settings, step, options.lead === undefined ? {} : { lead: options.lead });
    case 'forward': {
      const query: Record<string, string> = { g: step.group };
      if (step.member !== undefined) query.m = step.member;
      return forward({
        to: step.to,
        action: voiceUrl('forward-result', query),
        timeoutSeconds: dialTimeoutSeconds(group.rings),
        ...(options.lead === undefined ? {} : { before: options.lead }),
      });
    }
    case 'distribute':
      // Bounded: the loop guard refuses every group already visited.
      return continueInGroup(webhook, step.context, { ...options, settings });
    case 'wait':
      return joinWaitingLine(webhook, group, options.lead);
    case 'hangup':
      return hangup();
    default:
      return step satisfies never;
  }
}
