import { logger } from '../commons/logger.js';
import type { Group, Member, Settings } from '../commons/schemas.js';
import { contextToQuery, ringingOffer, type CallContext } from '../routing/call-context.js';
import { nextOffer } from '../routing/distribution.js';
import { missedCallStep } from '../routing/missed-call.js';
import { waitingCallers } from '../routing/waiting-line.js';
import { claimMembers, claimStateFrom, claimStateKeys, type ClaimState } from '../store/claims.js';
import { cachedConfiguration, readWithConfiguration, type Configuration } from '../store/configuration.js';
import { listLine } from '../store/line-store.js';
import { dialTimeoutSeconds, planDial } from '../twiml/dial-limits.js';
import type { Prompt } from '../twiml/prompts.js';
import { forward, hangup, offer } from '../twiml/responses.js';
import { voiceUrl } from '../twiml/urls.js';
import { ringingUntil } from './ringing.js';
import { voicemailTwiml } from './voicemail.js';
import { joinWaitingLine } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/** The members a group's decisions may need: its members, the dialled member, the forward-to-mobile member. */
function memberIdsOf(group: Pick<Group, 'members' | 'whenNobodyAnswers'>, context: CallContext): string[] {
  const action = group.whenNobodyAnswers;
  return [
    ...new Set([
      ...group.members,
      ...(context.member === undefined ? [] : [context.member]),
      ...(action.action === 'forward-to-mobile' && action.member !== undefined ? [action.member] : []),
    ]),
  ];
}

/** evenly records its offers in the group's rotation (not for a dialled member extension). */
function recordsRotation(group: Group, context: CallContext): boolean {
  return group.distribution === 'evenly' && context.member === undefined;
}

/** Callers are served in the order they came: a new caller joins a non-empty line at the back. */
function joinsLineFirst(group: Group, context: CallContext): boolean {
  return group.whenNobodyAnswers.action === 'wait-for-agent' && context.member === undefined && context.offered.length === 0;
}

export type GroupFlowOptions = { lead?: Prompt | undefined };

/** The routing core's choice on a claim state: the members of the next offer, none when nobody is left. */
function decideOffer(group: Group, members: ReadonlyMap<string, Member>, context: CallContext, callSid: string, now: number) {
  return (state: ClaimState): string[] => {
    const decision = nextOffer(group, members, context, state.rotation, { byMember: state.presence, now, callSid }, { afterLostRace: state.afterLostRace === true });
    return decision.kind === 'offer' ? decision.plan.members.map((member) => member.id) : [];
  };
}

/** The offer's TwiML: a <Dial> whose action knows who rings and since when. */
export function offerTwiml(group: Group, members: readonly Member[], context: CallContext, options: GroupFlowOptions): string {
  const plan = planDial(members);
  const ids = plan.members.map((member) => member.id);
  return offer({
    nouns: plan.nouns,
    rings: group.rings,
    action: voiceUrl('dial-result', contextToQuery(ringingOffer(context, ids, Date.now()))),
    legCallback: (member) => voiceUrl('leg', { m: member }),
    before: options.lead,
    callerId: context.callerId,
  });
}

/**
 * The heart of a call: distribute it in `context.group` (SPEC section 4) until an offer is made, or
 * run the group's missed-call action (SPEC section 6). Read once (configuration, marks, rotation, and
 * the line when the caller may have to join it), decide (routing core), write once (the claim),
 * render. `lead` is said first (e.g. "unknown extension").
 */
export async function continueInGroup(webhook: VoiceWebhook, context: CallContext, options: GroupFlowOptions = {}): Promise<string> {
  const callSid = webhook.call.callSid;
  const now = epochSeconds(webhook);
  const stateKeys = (configuration: Configuration | undefined) => {
    const group = configuration?.groups.get(context.group);
    return group === undefined ? [] : claimStateKeys(group.id, memberIdsOf(group, context), recordsRotation(group, context));
  };
  // The cached configuration tells whether the line must be read too, so both reads run side by side.
  const guess = cachedConfiguration()?.groups.get(context.group);
  const [{ configuration, items }, guessedLine] = await Promise.all([readWithConfiguration(stateKeys), guess !== undefined && joinsLineFirst(guess, context) ? listLine(context.group) : undefined]);
  const group = configuration.groups.get(context.group);
  const settings = configuration.settings;
  if (group === undefined) {
    // Admin writes keep references intact, so this is a group deleted mid-call: the caller can still leave a message.
    logger.warn('call reached a group that does not exist; offering voicemail', { callSid, group: context.group });
    return voicemailTwiml(webhook, settings, { group: context.group, member: undefined }, { lead: options.lead });
  }
  if (joinsLineFirst(group, context)) {
    const line = guessedLine ?? (await listLine(group.id));
    if (waitingCallers(line).some((caller) => caller.callSid !== callSid)) return joinWaitingLine(webhook, group, settings, options.lead);
  }
  const claim = await claimMembers(
    {
      callSid,
      group: group.id,
      now,
      ringingUntil: ringingUntil(group, now),
      members: memberIdsOf(group, context),
      rotationKey: recordsRotation(group, context) ? `${callSid}:${group.id}:${context.offered.length}` : undefined,
      decide: decideOffer(group, configuration.members, context, callSid, now),
    },
    claimStateFrom(items, group.id),
  );
  if (claim.kind === 'claimed') {
    const members = claim.members.flatMap((id) => configuration.members.get(id) ?? []);
    logger.info('offer', { callSid, group: group.id, members: claim.members, repeated: claim.repeated, failedConditions: claim.failedConditions });
    return offerTwiml(group, members, context, options);
  }
  if (claim.kind === 'contended') logger.warn('every free member was taken by other calls meanwhile; running the missed-call action', { callSid, group: group.id });
  return missedCall(webhook, group, configuration, context, options, 'live');
}

/**
 * The database cannot be reached (SPEC sections 12 and 13): ring the group's members from the
 * configuration this instance last saw. Presence is unknown, so the offer is best effort (a member
 * on another call may be rung) and nothing is recorded; the log says so. No request is made.
 */
export async function bestEffortInGroup(webhook: VoiceWebhook, configuration: Configuration, context: CallContext, options: GroupFlowOptions = {}): Promise<string> {
  const group = configuration.groups.get(context.group);
  if (group === undefined) return voicemailTwiml(webhook, configuration.settings, { group: context.group, member: undefined }, { lead: options.lead });
  const decision = nextOffer(group, configuration.members, context);
  if (decision.kind === 'offer') {
    logger.warn('best-effort offer from the cached configuration: presence unknown, nothing recorded', { callSid: webhook.call.callSid, group: group.id, members: decision.plan.members.map((member) => member.id), configurationVersion: configuration.version });
    return offerTwiml(group, decision.plan.members, context, options);
  }
  return missedCall(webhook, group, configuration, context, options, 'best-effort');
}

/**
 * Nobody (more) to offer the call to: the group's missed-call action (SPEC section 6). Best effort
 * (the database unreachable), waiting in line becomes voicemail: nobody could serve the line.
 */
function missedCall(webhook: VoiceWebhook, group: Group, configuration: Configuration, context: CallContext, options: GroupFlowOptions, mode: 'live' | 'best-effort'): Promise<string> | string {
  const settings: Settings = configuration.settings;
  const step = missedCallStep(group, configuration.members, context);
  logger.info('nobody answered', { callSid: webhook.call.callSid, group: group.id, step: step.kind, mode, ...('reason' in step ? { reason: step.reason } : {}) });
  switch (step.kind) {
    case 'voicemail':
      return voicemailTwiml(webhook, settings, step, { lead: options.lead });
    case 'forward':
      return forward({
        to: step.to,
        action: voiceUrl('forward-result', { g: step.group, ...(step.member === undefined ? {} : { m: step.member }) }),
        timeoutSeconds: dialTimeoutSeconds(group.rings),
        before: options.lead,
      });
    case 'distribute':
      // Bounded: the loop guard refuses every group already visited.
      return mode === 'live' ? continueInGroup(webhook, step.context, options) : bestEffortInGroup(webhook, configuration, step.context, options);
    case 'wait':
      if (mode === 'best-effort') return voicemailTwiml(webhook, settings, { group: group.id, member: group.members[0] }, { lead: options.lead });
      return joinWaitingLine(webhook, group, settings, options.lead);
    case 'hangup':
      return hangup();
    default:
      return step satisfies never;
  }
}
