import { logger } from '../commons/logger.js';
import type { Group, Member } from '../commons/schemas.js';
import { ownCallStep } from '../routing/own-calls.js';
import { togglableSchedules, toggleDecision } from '../routing/schedule.js';
import { setScheduleOverrides } from '../store/admin-store.js';
import { scheduleFromItem } from '../store/items.js';
import { callingMember, dialledDigits, interpretDialled, pickupCandidates, pickupConferenceName } from '../routing/pickup.js';
import { startCall } from '../store/call-store.js';
import { claimStateKeys } from '../store/claims.js';
import { cachedConfiguration, readWithConfiguration, type Configuration } from '../store/configuration.js';
import { claimPickup, endPickup, getPickup, undoPickup } from '../store/pickup-store.js';
import { clearBusy, presenceFromItems } from '../store/presence-store.js';
import type { Presence } from '../routing/eligibility.js';
import { MAX_CALL_SECONDS } from '../twilio/vocabulary.js';
import { prompt } from '../twiml/prompts.js';
import { hangup, joinPickupConference, messageThenHangup } from '../twiml/responses.js';
import { pickupQuery } from '../twiml/queries.js';
import { voiceUrl } from '../twiml/urls.js';
import { routeCall, type Routing } from './group-flow.js';
import { extensionOwner } from './incoming.js';
import { BUSY_MARGIN_SECONDS } from './leg.js';
import { voicemailTwiml } from './voicemail.js';
import { afterCallsEnded, dispatchForMembers, dispatcherOf } from './waiting-line.js';
import { epochSeconds, type VoiceWebhook } from './webhook.js';

/**
 * Calls placed by members (SPEC sections 8 and 9): softphones (TwiML App voice URL) and SIP phones
 * (SIP domain voice URL) call /voice/outbound. The member is identified by `From`; `To` is the pickup
 * code (optionally followed by a member extension), a member or group extension, or unsupported.
 */

/** What a caller hears when their own call is refused. */
const REFUSAL_PROMPTS = {
  'unknown-caller': 'unknownCaller',
  'not-supported': 'notSupported',
  'unknown-extension': 'unknownExtension',
  'nothing-to-pick-up': 'nothingToPickUp',
} as const;

/** Dialled digits that pick up a ringing call. */
function isPickup(dialled: ReturnType<typeof interpretDialled>): boolean {
  return dialled.kind === 'pickup' || dialled.kind === 'directed-pickup';
}

/** The members whose ringing calls `picker` may take: everyone in the groups with pickup they belong to. */
function pickupGroupMembers(picker: string, groups: readonly Group[]): string[] {
  return [...new Set(groups.filter((group) => group.pickup && group.members.includes(picker)).flatMap((group) => group.members))];
}

/** How long a member placing a call counts as busy at most (their call's end clears it sooner). */
function placedCallUntil(now: number): number {
  return now + MAX_CALL_SECONDS + BUSY_MARGIN_SECONDS;
}

/**
 * /voice/outbound. A call to an extension is routed like an outside call (one read, one write): the
 * calling member's busy mark (SPEC section 5: a member on a call is not offered outside calls until it
 * ends) and the call's item are written with the offer. A pickup reads the pickup groups' marks.
 */
export async function outbound(webhook: VoiceWebhook): Promise<string> {
  const { callSid } = webhook.call;
  const now = epochSeconds(webhook);
  const digits = dialledDigits(webhook.params.to ?? '');
  const callerOf = (configuration: Configuration): Member | undefined =>
    callingMember(webhook.params.from ?? '', [...configuration.members.values()]);
  const dialledIn = (configuration: Configuration) => interpretDialled(digits, configuration.settings.pickupCode);
  const isToggle = (configuration: Configuration) => digits === configuration.settings.scheduleToggleCode;
  const cached = cachedConfiguration();
  if (cached === undefined || isPickup(dialledIn(cached)) || isToggle(cached)) {
    // A pickup reads the marks of the picker's pickup groups with the configuration: one request.
    const { configuration, items } = await readWithConfiguration((current) => {
      const caller = current === undefined ? undefined : callerOf(current);
      return current === undefined || caller === undefined || !isPickup(dialledIn(current))
        ? []
        : claimStateKeys(pickupGroupMembers(caller.id, [...current.groups.values()]));
    });
    const caller = callerOf(configuration);
    if (caller !== undefined && isToggle(configuration)) {
      const [answer] = await Promise.all([
        toggleSchedules(webhook, caller, configuration),
        startCall(callSid, { from: caller.id, to: digits }, now),
      ]);
      return answer;
    }
    const dialled = dialledIn(configuration);
    if (caller !== undefined && (dialled.kind === 'pickup' || dialled.kind === 'directed-pickup')) {
      const marks = presenceFromItems(items);
      const start = startCall(callSid, { from: caller.id, to: digits }, now);
      if (dialled.kind === 'pickup') return (await Promise.all([pickUp(webhook, caller, configuration, undefined, marks), start]))[0];
      const owner = extensionOwner(configuration, dialled.extension);
      if (owner?.kind !== 'user') {
        await start;
        return messageThenHangup(prompt(configuration.settings, 'nothingToPickUp'));
      }
      return (await Promise.all([pickUp(webhook, caller, configuration, owner.id, marks), start]))[0];
    }
  }
  return routeCall(
    webhook,
    (configuration): Routing => {
      const { settings } = configuration;
      const step = ownCallStep({
        caller: callerOf(configuration),
        dialled: dialledIn(configuration),
        holder: (extension) => extensionOwner(configuration, extension),
        groups: [...configuration.groups.values()],
        numbers: [...configuration.numbers.keys()],
      });
      switch (step.kind) {
        case 'distribute':
          return { kind: 'distribute', context: step.context };
        case 'voicemail':
          return { kind: 'answer', twiml: voicemailTwiml(webhook, settings, { group: undefined, member: step.member }) };
        case 'refuse':
          if (step.why === 'unknown-caller') logger.warn('outbound call from a device of no member', { from: webhook.call.from });
          return { kind: 'answer', twiml: messageThenHangup(prompt(settings, REFUSAL_PROMPTS[step.why])) };
        default:
          return step satisfies never;
      }
    },
    {
      callStart: (configuration) => ({ from: callerOf(configuration)?.id, to: digits }),
      placedBy: (configuration, routing) => {
        const caller = callerOf(configuration);
        return caller === undefined || routing.kind !== 'distribute' ? undefined : { member: caller.id, until: placedCallUntil(now) };
      },
    },
  );
}

/**
 * The schedule toggle code (SPEC section 14): the override of every schedule the member may toggle
 * (routing/schedule.ts decides which, and the state they all end in), written like an admin change
 * (the configuration's version moves, so every instance sees it at its next webhook). The member hears
 * the new state; a member with no such schedule is refused.
 */
async function toggleSchedules(webhook: VoiceWebhook, caller: Member, configuration: Configuration): Promise<string> {
  const { settings } = configuration;
  const atMs = webhook.now.getTime();
  const schedules = togglableSchedules(
    caller.id,
    [...configuration.groups.values()],
    [...configuration.numbers.values()],
    configuration.schedules,
  );
  if (schedules.length === 0) {
    logger.info('schedule toggle refused: the member may toggle no schedule', { member: caller.id });
    return messageThenHangup(prompt(settings, 'notAllowedToToggle'));
  }
  let state: 'open' | 'closed' | undefined;
  // Decided on the schedules as stored (read consistently with the write's conditions), not as cached.
  const outcome = await setScheduleOverrides(
    schedules.map((schedule) => schedule.id),
    (stored) => {
      const decision = toggleDecision([...stored.values()].map(scheduleFromItem), atMs);
      if (decision.kind === 'refuse') return { kind: 'not-found' };
      state = decision.state;
      return decision.overrides;
    },
  );
  if (outcome.kind !== 'written' || state === undefined) {
    logger.warn('schedule toggle not written', {
      member: caller.id,
      outcome: outcome.kind,
      ...('reason' in outcome ? { reason: outcome.reason } : {}),
    });
    return messageThenHangup(prompt(settings, 'toggleFailed'));
  }
  logger.info('schedules toggled', { member: caller.id, schedules: schedules.map((schedule) => schedule.id), state });
  return messageThenHangup(prompt(settings, state === 'closed' ? 'lineClosed' : 'lineOpen'));
}

/**
 * Take the oldest eligible ringing call (or the one ringing at `target`) and bridge it with the picker:
 * the claim (which marks the call as moved by us), then the REST redirect of the caller into the call's
 * pickup conference, while the picker's own TwiML dials the same conference. Whichever side arrives
 * first waits for the other.
 */
async function pickUp(
  webhook: VoiceWebhook,
  picker: Member,
  configuration: Configuration,
  target: string | undefined,
  presence: ReadonlyMap<string, Presence & { ringingGroup?: string | undefined }>,
): Promise<string> {
  const pickerCall = webhook.call.callSid;
  const now = epochSeconds(webhook);
  const groups = [...configuration.groups.values()];
  const candidates = pickupCandidates(picker.id, groups, presence, now, target);
  for (const call of candidates) {
    const claim = { callSid: call.callSid, ringingAt: call.member, picker: picker.id, pickerCall };
    // The offer's members read as ringing for the call stop ringing with the claim.
    const ringing = [...presence].filter(([, marks]) => marks.ringingCall === call.callSid).map(([member]) => member);
    if (!(await claimPickup(claim, now, placedCallUntil(now), ringing))) continue;
    try {
      // Move the caller off the ringing offer: the colleague's device stops ringing at once.
      await webhook.twilio.redirectCall(
        call.callSid,
        new URL(voiceUrl('pickup-bridge', pickupQuery.encode(call.callSid)), webhook.url).toString(),
      );
    } catch (error) {
      logger.warn('could not move a picked-up call; trying the next', {
        callSid: call.callSid,
        picker: picker.id,
        error: error instanceof Error ? error.message : String(error),
      });
      await undoPickup(claim, epochSeconds(webhook));
      continue;
    }
    await dispatchForMembers(
      ringing.filter((member) => member !== picker.id),
      dispatcherOf(webhook),
    );
    logger.info('call picked up', { pickedCall: call.callSid, picker: picker.id, from: call.member });
    return joinPickupConference({
      name: pickupConferenceName(call.callSid),
      action: voiceUrl('pickup-result', pickupQuery.encode(call.callSid)),
    });
  }
  return messageThenHangup(prompt(configuration.settings, 'nothingToPickUp'));
}

/**
 * /voice/pickup-bridge?c=<CallSid>: the picked-up caller, redirected here, joins the call's pickup
 * conference. If the picker's side has already ended (their claim is gone), nobody would ever join
 * them there: the call ends instead.
 */
export async function pickupBridge(webhook: VoiceWebhook): Promise<string> {
  const callSid = pickupQuery.decode(webhook.query).call ?? webhook.call.callSid;
  if ((await getPickup(callSid)) === undefined) {
    logger.warn('picked-up caller arrived after the picker had left', { pickedCall: callSid });
    return hangup();
  }
  return joinPickupConference({ name: pickupConferenceName(callSid), action: voiceUrl('pickup-left', pickupQuery.encode(callSid)) });
}

/** /voice/pickup-left?c=<CallSid>: the caller's side of the bridge ended (the picker left, or the caller hung up). */
export function pickupLeft(): Promise<string> {
  return Promise.resolve(hangup());
}

/** /voice/pickup-result?c=<CallSid>: the picker's side of the bridge ended; the picker is free again. */
export async function pickupResult(webhook: VoiceWebhook): Promise<string> {
  const picked = pickupQuery.decode(webhook.query).call;
  const ended = picked === undefined ? undefined : await endPickup(picked);
  const freed = ended === undefined ? undefined : await clearBusy(ended.picker, ended.pickerCall, epochSeconds(webhook));
  if (freed !== undefined) await afterCallsEnded([freed], dispatcherOf(webhook));
  return hangup();
}
