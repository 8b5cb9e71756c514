import { logger } from '../commons/logger.js';
import { countOffers } from '../commons/metrics.js';
import type { Group, LineAction, Member, Settings, WhenNobodyAnswers } from '../commons/schemas.js';
import { callerIdOf, contextToQuery, onlyMember, ringingOffer, startInGroup, type CallContext } from '../routing/call-context.js';
import { nextOffer } from '../routing/distribution.js';
import { missedCallStep, type MissedCallStep } from '../routing/missed-call.js';
import { closedGroupAction, closedNumber } from '../routing/schedule.js';
import { nobodyAvailable, waitForAgentOf, waitingCallers } from '../routing/waiting-line.js';
import { callStateFrom, callStateKey, startCall, type CallStart, type CallState } from '../store/call-store.js';
import {
  claimMembers,
  claimStateFrom,
  claimStateKeys,
  stillRingingFor,
  type ClaimState,
  type OfferEvent,
  type PlacedCall,
} from '../store/claims.js';
import { markPlacedCall } from '../store/pickup-store.js';
import { readWithConfiguration, type Configuration } from '../store/configuration.js';
import type { Key } from '../store/keys.js';
import { readLineHead } from '../store/line-store.js';
import { recordEvents, type EventWrite } from '../store/ledger-store.js';
import { offerEvent, type ActionWhy } from '../routing/ledger.js';
import { dialTimeoutSeconds, planDial, type DialNoun } from '../twiml/dial-limits.js';
import type { Prompt } from '../twiml/prompts.js';
import { emptyResponse, forward, hangup, offer, type LegScreening } from '../twiml/responses.js';
import { forwardQuery, legQuery } from '../twiml/queries.js';
import { voiceUrl } from '../twiml/urls.js';
import { ringingUntil } from './ringing.js';
import { forwardScreening, offerScreening } from './leg-screening.js';
import { voicemailTwiml } from './voicemail.js';
import { endRinging } from './line-dispatch.js';
import { dispatchForMembers, dispatcherOf, joinWaitingLine } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/** The members a group's decisions may need: its members, the dialled member, the forward-to-mobile member. */
function memberIdsOf(group: Pick<Group, 'members' | 'whenNobodyAnswers'>, context: CallContext): string[] {
  const action = group.whenNobodyAnswers;
  const member = onlyMember(context);
  return [
    ...new Set([
      ...group.members,
      ...(member === undefined ? [] : [member]),
      ...(action.action === 'forward-to-mobile' && action.member !== undefined ? [action.member] : []),
    ]),
  ];
}

/** evenly records its offers in the group's rotation (not for a dialled member extension). */
function recordsRotation(group: Group, context: CallContext): boolean {
  return group.distribution === 'evenly' && onlyMember(context) === undefined;
}

/** Callers are served in the order they came: a new caller joins a non-empty line at the back. */
function joinsLineFirst(group: Group, context: CallContext): boolean {
  return group.whenNobodyAnswers.action === 'wait-for-agent' && onlyMember(context) === undefined && context.offered.length === 0;
}

export type GroupFlowOptions = { lead?: Prompt | undefined; screening?: ((noun: DialNoun) => LegScreening | undefined) | undefined };

/** The routing core's choice on a claim state: the members of the next offer, none when nobody is left. */
function decideOffer(group: Group, members: ReadonlyMap<string, Member>, context: CallContext, callSid: string, now: number) {
  return (state: ClaimState): string[] => {
    const decision = nextOffer(
      group,
      members,
      context,
      state.rotation,
      { byMember: state.presence, now, callSid },
      { afterLostRace: state.afterLostRace === true },
    );
    return decision.kind === 'offer' ? decision.plan.members.map((member) => member.id) : [];
  };
}

/** The ledger's offer event (SPEC 17): why each member was rung or not, on the state the claim decided on. */
function describeOffer(webhook: VoiceWebhook, group: Group, configuration: Configuration, context: CallContext): OfferEvent {
  const member = onlyMember(context);
  const now = epochSeconds(webhook);
  return {
    index: String(context.offered.length),
    describe: (state, chosen) =>
      offerEvent({
        group: group.id,
        at: webhook.now.getTime(),
        order: member === undefined ? group.members : [member],
        distribution: member === undefined ? group.distribution : 'extension',
        offered: context.offered,
        chosen,
        state: {
          members: configuration.members,
          presence: { byMember: state.presence, now, callSid: webhook.call.callSid },
          rotation: state.rotation,
          afterLostRace: state.afterLostRace,
        },
      }),
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
    legCallback: (member) => voiceUrl('leg', legQuery.encode({ member, wrapUpSeconds: group.wrapUpSeconds })),
    before: options.lead,
    callerId: callerIdOf(context),
    screening: options.screening,
  });
}

/**
 * Where a call goes, decided from the configuration: distribution in a group, or an answer of its own.
 * `whenClosed`: a closed number's action, run as the group's missed-call action without ringing anyone.
 */
export type Routing =
  | { kind: 'distribute'; context: CallContext; lead?: Prompt | undefined; whenClosed?: WhenNobodyAnswers | undefined }
  | { kind: 'answer'; twiml: string };

/**
 * The action a call entering `group` gets instead of an offer (SPEC section 14): a closed number's,
 * else the group's own while its schedule is closed. Checked when an outside call enters the group (no
 * offer made yet); members' own calls ring whatever the hours.
 */
function closedAction(
  routing: Routing & { kind: 'distribute' },
  group: Group,
  configuration: Configuration,
  now: Date,
): WhenNobodyAnswers | undefined {
  const { context } = routing;
  if (routing.whenClosed !== undefined) return routing.whenClosed;
  const outside = context.target.kind === 'group' || context.target.kind === 'member-extension';
  return outside && context.offered.length === 0 ? closedGroupAction(group, configuration.schedules, now.getTime()) : undefined;
}

export type RouteOptions = {
  /** The call's item starts with the first write (incoming): from, to and the number's group. */
  callStart?: ((configuration: Configuration) => CallStart) | undefined;
  /** The members of the offer that just ended (dial-result): their marks end in the same write as the next offer. */
  release?: readonly string[] | undefined;
  /** A canceled <Dial> that started then (epoch ms): if the project redirected the call since, the request changes nothing. */
  canceledOfferAtMs?: number | undefined;
  /** A member's own call (outbound): they are busy while it lasts, marked in the same write as the offer. */
  placedBy?: ((configuration: Configuration, routing: Routing) => PlacedCall | undefined) | undefined;
  /** Ledger events of the step that led here (an offer that rang out): written beside the decision's write. */
  events?: readonly EventWrite[] | undefined;
};

/** The keys the decision on `routing` reads besides the configuration's version. */
function decisionKeys(
  configuration: Configuration | undefined,
  routing: Routing | undefined,
  callSid: string,
  options: RouteOptions,
): Key[] {
  const own = options.canceledOfferAtMs === undefined ? [] : [callStateKey(callSid)];
  const group = routing?.kind === 'distribute' ? configuration?.groups.get(routing.context.group) : undefined;
  if (routing?.kind !== 'distribute' || group === undefined) return own;
  // A caller who may join a waiting line: its call item says whether it already did (a repeated webhook).
  const call = group.whenNobodyAnswers.action === 'wait-for-agent' && own.length === 0 ? [callStateKey(callSid)] : own;
  return [...claimStateKeys([...memberIdsOf(group, routing.context), ...(options.release ?? [])]), ...call];
}

/**
 * The heart of a call: route it (`route` decides from the configuration), then distribute it in the
 * group until an offer is made (SPEC section 4), or run the group's missed-call action (SPEC section
 * 6). Two round trips: one read of everything the decision needs (the configuration's version, the
 * members' marks, the rotation, the head of the line when the caller may have to join it, the call
 * when its past matters), then one write (the claim, which also ends the previous offer and starts the
 * call's item; or the missed-call action's own write). Only a claim that loses a race reads again.
 */
export async function routeCall(
  webhook: VoiceWebhook,
  route: (configuration: Configuration) => Routing,
  options: RouteOptions = {},
): Promise<string> {
  const callSid = webhook.call.callSid;
  const now = epochSeconds(webhook);
  // Routing renders TwiML and may log: once per configuration, however often the read asks for it.
  const routed = new WeakMap<Configuration, Routing>();
  const routeFor = (configuration: Configuration): Routing => {
    const routing = routed.get(configuration) ?? route(configuration);
    routed.set(configuration, routing);
    return routing;
  };
  const routeOf = (configuration: Configuration | undefined): Routing | undefined =>
    configuration === undefined ? undefined : routeFor(configuration);
  // The head of the group's line is read beside the keys when the caller may have to join it.
  const {
    configuration,
    items,
    alongside: head,
  } = await readWithConfiguration(
    (current) => decisionKeys(current, routeOf(current), callSid, options),
    (current) => {
      const routing = routeOf(current);
      const group = routing?.kind === 'distribute' ? current.groups.get(routing.context.group) : undefined;
      return routing?.kind === 'distribute' && group !== undefined && joinsLineFirst(group, routing.context)
        ? readLineHead(group)
        : undefined;
    },
  );
  const call = callStateFrom(items, callSid);
  if (options.canceledOfferAtMs !== undefined && call?.redirectedAtMs !== undefined && call.redirectedAtMs >= options.canceledOfferAtMs) {
    // Our own REST redirect (pickup, a waiting-line offer) interrupted the offer: nothing to do here.
    return emptyResponse();
  }
  const routing = routeFor(configuration);
  const callStart = options.callStart?.(configuration);
  const placedBy = options.placedBy?.(configuration, routing);
  const released = stillRingingFor(callSid, options.release, claimStateFrom(items, ''));
  if (routing.kind === 'answer') {
    await Promise.all([callStart === undefined ? undefined : startCall(callSid, callStart, now), releaseMarks(webhook, released)]);
    return routing.twiml;
  }
  const { context } = routing;
  const lead = routing.lead;
  const group = configuration.groups.get(context.group);
  const settings = configuration.settings;
  if (group === undefined) {
    // Admin writes keep references intact, so this is a group deleted mid-call: the caller can still leave a message.
    logger.warn('call reached a group that does not exist; offering voicemail', { group: context.group });
    await Promise.all([callStart === undefined ? undefined : startCall(callSid, callStart, now), releaseMarks(webhook, released)]);
    return voicemailTwiml(webhook, settings, { group: context.group, member: undefined }, { lead });
  }
  const joinWrites = { call, callStart, released, placedBy };
  const whenClosed = closedAction(routing, group, configuration, webhook.now);
  const at = webhook.now.getTime();
  // The ledger (SPEC 17): the call entered the group, and found it closed; written beside the
  // decision's own write, once per group (a retried webhook writes the same keys).
  const entering: EventWrite[] = [
    ...(options.events ?? []),
    ...(context.offered.length === 0 ? [{ event: { kind: 'entered' as const, at, group: group.id, from: webhook.call.from } }] : []),
    ...(whenClosed === undefined ? [] : [{ event: { kind: 'closed' as const, at, group: group.id, action: whenClosed.action } }]),
  ];
  const [twiml] = await Promise.all([
    distributeInGroup(webhook, {
      group,
      configuration,
      context,
      lead,
      whenClosed,
      head,
      joinWrites,
      options,
      settings,
      known: claimStateFrom(items, group.id),
    }),
    recordEvents(callSid, entering),
  ]);
  return twiml;
}

/** The group's part of routeCall: its closed action, the line's back, or a claim of members. */
async function distributeInGroup(
  webhook: VoiceWebhook,
  decided: {
    group: Group;
    configuration: Configuration;
    context: CallContext;
    lead: Prompt | undefined;
    whenClosed: WhenNobodyAnswers | undefined;
    head: Awaited<ReturnType<typeof readLineHead>> | undefined;
    joinWrites: Omit<MissedCallWrites, 'mode' | 'why'>;
    options: RouteOptions;
    settings: Settings;
    /** The claim state the read found. */
    known: ClaimState;
  },
): Promise<string> {
  const { group, configuration, context, lead, whenClosed, head, joinWrites, options, settings, known } = decided;
  const callSid = webhook.call.callSid;
  const now = epochSeconds(webhook);
  const { callStart, placedBy } = joinWrites;
  if (whenClosed !== undefined) {
    logger.info('closed: running the closed action without ringing anyone', { group: group.id, action: whenClosed.action });
    const closed = { ...group, whenNobodyAnswers: whenClosed };
    return missedCall(webhook, closed, configuration, context, { lead }, { mode: 'live', why: 'closed', ...joinWrites });
  }
  if (joinsLineFirst(group, context)) {
    const line = head ?? (await readLineHead(group));
    // Behind them (through the missed-call action's line step: full, nobody available).
    if (waitingCallers(line).some((caller) => caller.callSid !== callSid))
      return missedCall(webhook, group, configuration, context, { lead }, { mode: 'live', ...joinWrites });
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
      offerEvent: describeOffer(webhook, group, configuration, context),
      callStart,
      release: options.release,
      placedBy,
    },
    known,
  );
  if (claim.kind === 'claimed') {
    const members = claim.members.flatMap((id) => configuration.members.get(id) ?? []);
    logger.info('offer', {
      group: group.id,
      members: claim.members,
      repeated: claim.repeated,
      failedConditions: claim.failedConditions,
    });
    // A repeated webhook that found its offer in the rotation rings the same member again: counted once.
    if (!claim.repeated) countOffers(claim.members.length);
    await dispatchForMembers(claim.released, dispatcherOf(webhook));
    return offerTwiml(group, members, context, { lead, screening: offerScreening(webhook, group, settings) });
  }
  if (claim.kind === 'contended')
    logger.warn('every free member was taken by other calls meanwhile; running the missed-call action', { group: group.id });
  return missedCall(webhook, group, configuration, context, { lead }, { mode: 'live', ...joinWrites });
}

/** Distribute the call in `context.group` (after a greeting, an unanswered offer, a forward to a group). */
export function continueInGroup(
  webhook: VoiceWebhook,
  context: CallContext,
  options: GroupFlowOptions & RouteOptions = {},
): Promise<string> {
  const { lead, ...routeOptions } = options;
  return routeCall(webhook, () => ({ kind: 'distribute', context, lead }), routeOptions);
}

/** The members whose marks for this call end with a write that is no claim (the missed-call action). */
function releaseMarks(webhook: VoiceWebhook, members: readonly string[]): Promise<void> {
  return endRinging(webhook.call.callSid, members, dispatcherOf(webhook));
}

/**
 * The database cannot be reached (SPEC sections 12 and 13): ring the group's members from the
 * configuration this instance last saw. Presence is unknown, so the offer is best effort (a member
 * on another call may be rung) and nothing is recorded; the log says so. No request is made.
 */
export async function bestEffortInGroup(
  webhook: VoiceWebhook,
  configuration: Configuration,
  context: CallContext,
  options: GroupFlowOptions = {},
): Promise<string> {
  const group = configuration.groups.get(context.group);
  if (group === undefined)
    return voicemailTwiml(webhook, configuration.settings, { group: context.group, member: undefined }, { lead: options.lead });
  // The number's schedule too: with the database unreachable /voice/incoming (and the redirect after a
  // closed greeting) comes here straight, so a closed number must not ring its group.
  const number = webhook.call.to === undefined ? undefined : configuration.numbers.get(webhook.call.to);
  const numberClosed =
    number?.group === context.group && context.target.kind === 'group' && context.offered.length === 0
      ? closedNumber(number, configuration.schedules, webhook.now.getTime())?.action
      : undefined;
  const whenClosed = closedAction({ kind: 'distribute', context, whenClosed: numberClosed }, group, configuration, webhook.now);
  if (whenClosed !== undefined)
    return missedCall(webhook, { ...group, whenNobodyAnswers: whenClosed }, configuration, context, options, { mode: 'best-effort' });
  const decision = nextOffer(group, configuration.members, context);
  if (decision.kind === 'offer') {
    logger.warn('best-effort offer from the cached configuration: presence unknown, nothing recorded', {
      group: group.id,
      members: decision.plan.members.map((member) => member.id),
      configurationVersion: configuration.version,
    });
    countOffers(decision.plan.members.length);
    return offerTwiml(group, decision.plan.members, context, {
      ...options,
      screening: offerScreening(webhook, group, configuration.settings),
    });
  }
  return missedCall(webhook, group, configuration, context, options, { mode: 'best-effort' });
}

/**
 * Nobody (more) to offer the call to: the group's missed-call action (SPEC section 6). Best effort
 * (the database unreachable), waiting in line becomes voicemail: nobody could serve the line.
 */
type MissedCallWrites = {
  mode: 'live' | 'best-effort';
  /** Why the action runs, for the ledger: nobody answered unless said. */
  why?: ActionWhy | undefined;
  /** The call as read (live): a caller joining the line may have joined before. */
  call?: CallState | undefined;
  callStart?: CallStart | undefined;
  /** Members whose marks for this call end in the action's write. */
  released?: readonly string[] | undefined;
  /** The member who placed the call: busy while it lasts. */
  placedBy?: PlacedCall | undefined;
};

/**
 * A caller leaving the waiting line for one of its actions (SPEC 16: waited too long, nobody
 * available): run as the group's missed-call action, voicemail unless set. The call's earlier path is
 * not known here, so a forward-to-group starts a new chain from this group.
 */
export function runLineAction(
  webhook: VoiceWebhook,
  group: Group,
  configuration: Configuration,
  action: LineAction | undefined,
  why: ActionWhy,
): Promise<string> {
  return missedCall(
    webhook,
    { ...group, whenNobodyAnswers: action ?? { action: 'voicemail' } },
    configuration,
    startInGroup(group.id),
    {},
    { mode: 'live', why },
  );
}

async function missedCall(
  webhook: VoiceWebhook,
  group: Group,
  configuration: Configuration,
  context: CallContext,
  options: GroupFlowOptions,
  writes: MissedCallWrites,
): Promise<string> {
  const { mode } = writes;
  const settings: Settings = configuration.settings;
  const step = missedCallStep(group, configuration.members, context);
  logger.info('nobody answered', {
    group: group.id,
    step: step.kind,
    mode,
    ...('reason' in step ? { reason: step.reason } : {}),
  });
  // The action's own write: the call's item (incoming) and the end of the previous offer, side by side.
  const now = epochSeconds(webhook);
  const write = (): Promise<unknown> =>
    Promise.all([
      recordEvents(webhook.call.callSid, [actionEvent(webhook, group, step, writes.why ?? 'nobody-answered')]),
      writes.callStart === undefined ? undefined : startCall(webhook.call.callSid, writes.callStart, now),
      releaseMarks(webhook, writes.released ?? []),
      writes.placedBy === undefined
        ? undefined
        : markPlacedCall(writes.placedBy.member, webhook.call.callSid, group.id, now, writes.placedBy.until),
    ]);
  if (mode === 'live' && step.kind !== 'distribute' && step.kind !== 'wait') await write();
  switch (step.kind) {
    case 'voicemail':
      return voicemailTwiml(webhook, settings, step, { lead: options.lead });
    case 'forward':
      return forward({
        to: step.to,
        action: voiceUrl('forward-result', forwardQuery.encode({ group: step.group, member: step.member })),
        timeoutSeconds: dialTimeoutSeconds(group.rings),
        before: options.lead,
        screening: forwardScreening(webhook, group, settings),
      });
    case 'distribute':
      // Bounded: the loop guard refuses every group already visited. The next group's read is a round trip of its own.
      if (mode === 'best-effort') return bestEffortInGroup(webhook, configuration, step.context, options);
      await write();
      return continueInGroup(webhook, step.context, options);
    case 'wait': {
      if (mode === 'best-effort')
        return voicemailTwiml(webhook, settings, { group: group.id, member: group.members[0] }, { lead: options.lead });
      const line = waitForAgentOf(group);
      // Instead of the line (SPEC 16): the group's own action for a line nobody can serve, or one that is full.
      const instead = (action: LineAction | undefined, why: 'line-full' | 'nobody-available', message: string): Promise<string> => {
        logger.info(message, { group: group.id, action: action?.action ?? 'voicemail' });
        return missedCall(webhook, { ...group, whenNobodyAnswers: action ?? { action: 'voicemail' } }, configuration, context, options, {
          ...writes,
          why,
        });
      };
      if (line?.whenNobodyAvailable !== undefined && nobodyAvailable(group, configuration.members))
        return instead(line.whenNobodyAvailable, 'nobody-available', 'nobody of the group is available: not waiting');
      return joinWaitingLine(webhook, group, configuration, options.lead, {
        call: writes.call,
        callStart: writes.callStart,
        released: writes.released ?? [],
        whenFull: () => instead(line?.whenFull, 'line-full', 'the waiting line is full'),
      });
    }
    case 'hangup':
      return hangup();
    default:
      return step satisfies never;
  }
}

/** The ledger's event of a missed-call action that leaves the group (not waiting: the line records its own). */
function actionEvent(webhook: VoiceWebhook, group: Group, step: MissedCallStep, why: ActionWhy): EventWrite | undefined {
  if (step.kind === 'wait') return undefined;
  const to = step.kind === 'forward' ? step.to : step.kind === 'distribute' ? step.context.group : undefined;
  return { event: { kind: 'missed-call-action', at: webhook.now.getTime(), group: group.id, action: step.kind, to, why } };
}
