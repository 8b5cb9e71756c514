import { hex, type Interrupt, type Move, type SimCall } from '../call.js';
import { ringOutcome, talkSecondsOf } from '../ringing.js';
import type { TwimlElement } from '../twiml.js';
import type { Behaviours, DeviceBehaviour, Offer } from '../types.js';
import { methodOf, type Next } from '../webhooks.js';
import { callerIdProblem } from './caller-id.js';
import { dialConference } from './conference.js';
import { dialQueue } from './queue.js';
import { playScreening } from './screen.js';
import { followAction, type ActionParams, type Outcome, type Resolve, type VerbContext } from './verb.js';

/**
 * <Dial> and its nouns: <Number>, <Client> and <Sip> ring the members' devices (here); <Queue> takes
 * the caller at the front of a waiting line (verbs/queue.ts); <Conference> enters a named room
 * (verbs/conference.ts).
 */

/** Twilio rings about `timeout` + 5 seconds (its documented buffer). */
const DIAL_BUFFER_SECONDS = 5;

export type Device = { address: string; member: string | undefined; connectedTo: string | undefined; rings: number };

/** The devices the simulation has rung, and how each one behaves when it rings. */
export class Devices {
  private readonly devices = new Map<string, Device>();
  private readonly behaviourUse = new Map<string, number>();

  constructor(
    private readonly behaviours: Behaviours | undefined,
    private readonly memberOf: (address: string) => string | undefined,
  ) {}

  device(address: string): Device {
    let device = this.devices.get(address);
    if (device === undefined) {
      device = { address, member: this.memberOf(address), connectedTo: undefined, rings: 0 };
      this.devices.set(address, device);
    }
    return device;
  }

  /** The behaviour of a device for this ring: by address, else by member; a list is used in order. */
  behaviourFor(call: SimCall, device: Device): DeviceBehaviour {
    const sources = [call.script.devices, this.behaviours];
    for (const source of sources) {
      for (const key of [device.address, device.member]) {
        if (key === undefined || source?.[key] === undefined) continue;
        const value = source[key];
        if (!Array.isArray(value)) return value;
        const useKey = `${source === call.script.devices ? call.script.id : '*'}|${key}`;
        const used = this.behaviourUse.get(useKey) ?? 0;
        this.behaviourUse.set(useKey, used + 1);
        return value[Math.min(used, value.length - 1)] ?? 'no-answer';
      }
    }
    return 'no-answer';
  }
}

/**
 * The REST API moved the call off its ringing <Dial>: every leg was canceled; `params` are what the
 * <Dial>'s action gets (`leaveRingingDial` requests it as `interruptedDialAction` says).
 */
type Moved = { kind: 'moved'; move: Move; params: Record<string, string> };

export async function playDial(context: VerbContext, call: SimCall, verb: TwimlElement, resolve: Resolve): Promise<Outcome> {
  const nouns = verb.children.length > 0 ? verb.children : [{ name: 'Number', attrs: {}, children: [], text: verb.text.trim() }];
  const queueNoun = nouns.find((noun) => noun.name === 'Queue');
  const conferenceNoun = nouns.find((noun) => noun.name === 'Conference');
  const dialled =
    queueNoun !== undefined
      ? await dialQueue(context, call, verb, queueNoun)
      : conferenceNoun !== undefined
        ? await dialConference(context, call, verb, conferenceNoun, resolve)
        : await new DeviceDial(context, call, verb, nouns, resolve).play(callerIdProblem(call, verb, nouns, context.isAccountNumber));
  if (dialled.kind === 'moved') return { kind: 'next', next: await leaveRingingDial(context, call, verb, resolve, dialled) };
  if (dialled.kind !== 'action') return dialled;
  return followAction(context, call, verb, resolve, dialled.params);
}

/**
 * The REST API moved the call off a ringing <Dial> (a redirect or a dequeue): the call runs the new
 * TwiML, and Twilio requests the <Dial>'s action with `DialCallStatus=canceled` before the new TwiML's
 * first request, after it, or not at all (the `interruptedDialAction` option: the docs do not say).
 * That action's answer is ignored, but it must still be TwiML Twilio accepts.
 */
async function leaveRingingDial(context: VerbContext, call: SimCall, verb: TwimlElement, resolve: Resolve, moved: Moved): Promise<Next> {
  const reading = context.options.interruptedDialAction ?? 'before';
  const action = verb.attrs.action;
  const requestAction = async (): Promise<void> => {
    if (reading === 'never' || action === undefined) return;
    const url = resolve(action);
    const answer = await context.webhooks.fetchTwiml(call, url, methodOf(verb.attrs.method), moved.params);
    context.log(call, { type: 'dial-action-ignored', url, verbs: answer.map((element) => element.name) });
  };
  if (reading === 'before') await requestAction();
  const next = await context.webhooks.movedTo(call, moved.move);
  if (reading === 'after') await requestAction();
  return next;
}

type LegState = 'ringing' | 'answered' | 'busy' | 'failed' | 'no-answer' | 'canceled' | 'completed';
type Leg = {
  noun: TwimlElement;
  device: Device;
  sid: string;
  sequence: number;
  state: LegState;
  behaviour: DeviceBehaviour;
  /** It answered and ran its `url` document. */
  screened?: boolean;
};
/** What a leg's device does, and when (a device that never answers has no plan: it rings out). */
type Plan = { at: number; leg: Leg; kind: 'answer' | 'busy' | 'failed' | 'reject' };

/** <Dial> of devices: ring the nouns; the first device to answer wins and the others are cancelled. */
class DeviceDial {
  private readonly timeout: number;
  private readonly start: number;
  private readonly legs: Leg[];
  private readonly offer: Offer;

  constructor(
    private readonly context: VerbContext,
    private readonly call: SimCall,
    verb: TwimlElement,
    nouns: TwimlElement[],
    private readonly resolve: Resolve,
  ) {
    this.timeout = Number(verb.attrs.timeout ?? '30');
    this.start = context.clock.now;
    this.legs = nouns.map((noun) => ({
      noun,
      device: context.devices.device(noun.text),
      sid: `CA${hex(16)}`,
      sequence: 0,
      state: 'ringing',
      behaviour: 'no-answer',
    }));
    const members = [...new Set(this.legs.map((leg) => leg.device.member).filter((member): member is string => member !== undefined))];
    this.offer = { at: this.start, nouns: this.legs.map((leg) => leg.noun.text), members, timeout: this.timeout, status: 'no-answer' };
    call.offers.push(this.offer);
    context.log(call, { type: 'offer', nouns: this.offer.nouns, members, timeout: this.timeout });
  }

  /** Rings the nouns, unless the caller ID Twilio would show is invalid (`badCallerId`): then every leg fails. */
  async play(badCallerId?: string): Promise<ActionParams | Moved | Interrupt> {
    if (badCallerId !== undefined) {
      this.call.warnings.push(`13214 Dial: Invalid callerId value: ${badCallerId}`);
      this.context.log(this.call, { type: 'warning', code: 13214, message: `Dial: Invalid callerId value: ${badCallerId}` });
      for (const leg of this.legs) this.endLeg(leg, 'failed', 'failed');
      return this.unanswered();
    }
    const rung = await this.ring();
    if (rung === undefined) return this.unanswered();
    if ('noun' in rung) return this.connect(rung);
    if (rung.kind === 'action') return rung;
    for (const leg of this.legs) this.endLeg(leg, 'canceled', 'canceled');
    if (rung.kind === 'caller-hangup') {
      this.call.callerGone = true;
      this.offer.status = 'canceled';
      this.context.log(this.call, { type: 'dial-end', status: 'canceled' });
      return { kind: 'action', params: { DialCallStatus: 'canceled', DialCallSid: this.legs[0]?.sid ?? '', CallStatus: 'completed' } };
    }
    if (rung.kind === 'redirect' || rung.kind === 'dequeue') {
      // The REST API moved the call while it rang: the <Dial> is over, canceled (playDial requests its action).
      this.offer.status = 'canceled';
      this.context.log(this.call, { type: 'dial-end', status: 'canceled' });
      return {
        kind: 'moved',
        move: rung,
        params: { DialCallStatus: 'canceled', DialCallSid: this.legs[0]?.sid ?? '', CallStatus: 'in-progress' },
      };
    }
    return rung;
  }

  /** A leg whose `url` document hung it up (it never reached the caller). */
  private declined = false;

  /**
   * The ringing, over the window: the leg that answered (and accepted, when its noun has a `url`),
   * undefined if none did, what interrupted it, or the <Dial>'s end when a declined leg ended it.
   */
  private async ring(): Promise<Leg | Interrupt | ActionParams | undefined> {
    const window = this.timeout + DIAL_BUFFER_SECONDS;
    const plans: Plan[] = [];
    for (const leg of this.legs) {
      leg.behaviour = this.context.devices.behaviourFor(this.call, leg.device);
      leg.device.rings += 1;
      this.childCallback(leg, 'initiated', 'initiated');
      this.childCallback(leg, 'ringing', 'ringing');
      const plan = this.planFor(leg, window);
      if (plan !== undefined) plans.push(plan);
    }
    plans.sort((a, b) => a.at - b.at);
    for (const plan of plans) {
      if (plan.at > this.start + window) break;
      const interrupt = await this.call.wait(Math.max(0, plan.at - this.context.clock.now));
      if (interrupt !== undefined) return interrupt;
      if (plan.kind === 'answer') {
        // A device already on another call cannot take this one; it goes on ringing.
        if (plan.leg.device.connectedTo !== undefined || plan.leg.state !== 'ringing') continue;
        if (plan.leg.noun.attrs.url === undefined) return plan.leg;
        const screened = await this.screen(plan.leg);
        if (screened !== undefined) return screened;
        if (this.legs.every((leg) => leg.state !== 'ringing')) break;
        continue;
      }
      this.endLeg(
        plan.leg,
        plan.kind === 'failed' ? 'failed' : 'busy',
        plan.kind === 'reject' ? 'rejected' : plan.kind === 'failed' ? 'failed' : 'busy',
      );
      if (this.legs.every((leg) => leg.state !== 'ringing')) break;
    }
    if (this.legs.some((leg) => leg.state === 'ringing')) {
      const interrupt = await this.call.wait(Math.max(0, this.start + window - this.context.clock.now));
      if (interrupt !== undefined) return interrupt;
      for (const leg of this.legs) this.endLeg(leg, 'no-answer', 'no-answer');
    }
    return undefined;
  }

  /**
   * A leg with a `url` answered: it runs the document before the bridge. The other legs stop ringing
   * now or only at the bridge (`othersCanceled`: the docs do not say). Accepted, it is the winner; a
   * leg hung up by its document ends the <Dial> when nothing else rings (`declinedDialStatus`,
   * `DialBridged=false`), else the others ring on; undefined then.
   */
  private async screen(leg: Leg): Promise<Leg | ActionParams | undefined> {
    const atAnswer = (this.context.options.othersCanceled ?? 'at-answer') === 'at-answer';
    this.logDevice(leg, 'answered');
    leg.state = 'answered';
    leg.screened = true;
    if (atAnswer) for (const other of this.legs) if (other !== leg) this.endLeg(other, 'canceled', 'canceled');
    const screened = await playScreening(this.context, this.call, { ...leg, member: leg.device.member }, this.resolve);
    if (screened === 'accepted') return leg;
    leg.state = 'completed';
    this.declined = true;
    this.childCallback(leg, 'completed', 'completed', { CallDuration: '0' });
    if (this.legs.some((other) => other.state === 'ringing')) return undefined;
    const status = this.context.options.declinedDialStatus ?? 'completed';
    this.offer.status = status;
    this.context.log(this.call, { type: 'dial-end', status, bridged: false });
    return { kind: 'action', params: { DialCallStatus: status, DialCallSid: leg.sid, DialBridged: 'false' } };
  }

  private planFor(leg: Leg, window: number): Plan | undefined {
    const outcome = ringOutcome(leg.behaviour, leg.device.connectedTo !== undefined, window);
    return outcome === undefined ? undefined : { at: this.start + outcome.after, leg, kind: outcome.kind };
  }

  private endLeg(
    leg: Leg,
    state: 'busy' | 'failed' | 'no-answer' | 'canceled',
    outcome: 'busy' | 'rejected' | 'failed' | 'no-answer' | 'canceled',
  ): void {
    if (leg.state !== 'ringing') return;
    leg.state = state;
    this.logDevice(leg, outcome);
    this.childCallback(leg, 'completed', state);
  }

  private logDevice(leg: Leg, outcome: 'answered' | 'busy' | 'rejected' | 'failed' | 'no-answer' | 'canceled' | 'hung-up'): void {
    this.context.log(this.call, {
      type: 'device',
      noun: leg.noun.text,
      ...(leg.device.member === undefined ? {} : { member: leg.device.member }),
      outcome,
    });
  }

  private childCallback(leg: Leg, event: string, status: string, extra: Record<string, string> = {}): void {
    this.context.webhooks.childCallback(this.call, leg.noun, this.resolve, leg, event, status, extra);
  }

  private unanswered(): ActionParams {
    const states = this.legs.map((leg) => leg.state);
    const status =
      states.length > 0 && states.every((state) => state === 'busy')
        ? 'busy'
        : states.length > 0 && states.every((state) => state === 'failed')
          ? 'failed'
          : 'no-answer';
    this.offer.status = status;
    this.context.log(this.call, { type: 'dial-end', status });
    return {
      kind: 'action',
      params: { DialCallStatus: status, DialCallSid: this.legs[0]?.sid ?? '', ...(this.declined ? { DialBridged: 'false' } : {}) },
    };
  }

  /** Connected: the other devices stop ringing; the two talk until one hangs up. */
  private async connect(winner: Leg): Promise<ActionParams | Interrupt> {
    const call = this.call;
    if (winner.screened !== true) this.logDevice(winner, 'answered');
    for (const leg of this.legs) if (leg !== winner) this.endLeg(leg, 'canceled', 'canceled');
    winner.state = 'answered';
    const who = winner.device.member ?? winner.device.address;
    winner.device.connectedTo = call.sid;
    call.answeredBy ??= who;
    call.answeredAt ??= this.context.clock.now;
    this.offer.status = 'completed';
    this.offer.answeredBy = who;
    this.childCallback(winner, 'answered', 'in-progress');
    const talk = talkSecondsOf(winner.behaviour);
    const connectedAt = this.context.clock.now;
    const interrupt = await call.wait(talk);
    winner.device.connectedTo = undefined;
    if (interrupt !== undefined && interrupt.kind !== 'caller-hangup') return interrupt;
    const callerHungUp = interrupt !== undefined;
    if (callerHungUp) call.callerGone = true;
    const talked = Math.round(this.context.clock.now - connectedAt);
    call.talkSeconds = (call.talkSeconds ?? 0) + talked;
    this.logDevice(winner, 'hung-up');
    this.context.log(call, { type: 'dial-end', status: 'completed', answeredBy: who, talkSeconds: talked });
    winner.state = 'completed';
    this.childCallback(winner, 'completed', 'completed', { CallDuration: String(talked) });
    return {
      kind: 'action',
      params: {
        DialCallStatus: 'completed',
        DialCallSid: winner.sid,
        DialCallDuration: String(talked),
        DialBridged: 'true',
        ...(callerHungUp ? { CallStatus: 'completed' } : {}),
      },
    };
  }
}
