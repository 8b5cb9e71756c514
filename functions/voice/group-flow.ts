import { defaultSettings, type Group, type Member, type Settings } from '../commons/schemas.js';
import { logger } from '../commons/logger.js';
import { contextToQuery, withOffered, type CallContext } from '../routing/call-context.js';
import { nextOffer, type NextOffer } from '../routing/distribution.js';
import { missedCallStep } from '../routing/missed-call.js';
import { getGroupState, getMembers } from '../store/config-store.js';
import type { StoredItem } from '../store/items.js';
import { recordEvenlyOffer } from '../store/rotation-store.js';
import { dialTimeoutSeconds, planDial } from '../twiml/dial-limits.js';
import type { Prompt } from '../twiml/prompts.js';
import { forward, hangup, offer } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { voicemailTwiml } from './voicemail.js';
import type { VoiceWebhook } from './webhook.js';

/** The members a group's decisions may need: its members and the forward-to-mobile member. */
function memberIdsOf(group: Group, context: CallContext): string[] {
  const action = group.whenNobodyAnswers;
  return [
    ...group.members,
    ...(context.member === undefined ? [] : [context.member]),
    ...(action.action === 'forward-to-mobile' && action.member !== undefined ? [action.member] : []),
  ];
}

/**
 * evenly: the choice and its record are one conditional write on the group's rotation. The offer key
 * names this call, group and attempt, so a repeated webhook gets the member it got the first time.
 */
async function evenlyOffer(group: Group, members: ReadonlyMap<string, Member>, context: CallContext, callSid: string, rotationItem: StoredItem | undefined): Promise<NextOffer> {
  const offerKey = `${callSid}:${group.id}:${context.offered.length}`;
  const recorded = await recordEvenlyOffer(
    group.id,
    offerKey,
    (rotation) => {
      const decision = nextOffer(group, members, context, rotation);
      return decision.kind === 'offer' ? decision.plan.members[0]?.id : undefined;
    },
    { item: rotationItem },
  );
  const member = recorded.member === undefined ? undefined : members.get(recorded.member);
  return member === undefined ? { kind: 'nobody-left' } : { kind: 'offer', plan: planDial([member]) };
}

/**
 * The heart of a call: distribute it in `context.group` (SPEC section 4) until an offer is made, or
 * run the group's missed-call action (SPEC section 6). `lead` is said first (e.g. "unknown extension").
 */
export async function continueInGroup(webhook: VoiceWebhook, context: CallContext, options: { lead?: Prompt; settings?: Settings } = {}): Promise<string> {
  const callSid = webhook.params.CallSid ?? 'unknown-call';
  const state = await getGroupState(context.group, options.settings === undefined);
  const { group, rotationItem } = state;
  const settings = options.settings ?? state.settings ?? defaultSettings;
  if (group === undefined) {
    // Admin writes keep references intact, so this is a group deleted mid-call: the caller can still leave a message.
    logger.warn('call reached a group that does not exist; offering voicemail', { callSid, group: context.group });
    return voicemailTwiml(webhook, settings, { group: context.group, member: undefined }, options.lead === undefined ? {} : { lead: options.lead });
  }
  const members = await getMembers(memberIdsOf(group, context));
  const decision =
    group.distribution === 'evenly' && context.member === undefined
      ? await evenlyOffer(group, members, context, callSid, rotationItem)
      : nextOffer(group, members, context);

  if (decision.kind === 'offer') {
    const offered = withOffered(context, decision.plan.members.map((member) => member.id));
    logger.info('offer', { callSid, group: group.id, members: decision.plan.members.map((member) => member.id) });
    return offer({
      nouns: decision.plan.nouns,
      rings: group.rings,
      action: voiceUrl('dial-result', contextToQuery(offered)),
      ...(options.lead === undefined ? {} : { before: options.lead }),
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
    case 'hangup':
      return hangup();
    default:
      return step satisfies never;
  }
}
