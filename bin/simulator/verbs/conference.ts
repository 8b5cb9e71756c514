import { randomBytes } from 'node:crypto';
import type { Interrupt, SimCall } from '../call.js';
import { TwimlRuleError, type TwimlElement } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { DEFAULT_TALK_SECONDS, type ActionParams, type Resolve, type VerbContext } from './verb.js';
import { playWaitUrl, type WaitRules } from './wait-url.js';

/**
 * Named conference rooms, as Twilio keeps them for `<Dial><Conference>` (reference/twilio.md,
 * https://www.twilio.com/docs/voice/twiml/conference): a room is created when its first participant
 * arrives; it starts when a second participant is there and at least one of them has
 * `startConferenceOnEnter` (the default); until then the participants wait (and hear the waitUrl).
 * It ends when a participant with `endConferenceOnExit` leaves, or the last one does; the others then
 * drop out. A name whose room has ended names a new room. The rooms only keep who is in which room;
 * `dialConference` (below) moves a call through one.
 */

export type ConferenceEvent = 'started' | 'ended';

export type Participant = {
  /** Who this participant is, for "answered by": a member id, else the call's id. */
  readonly party: string;
  readonly callSid: string;
  readonly joinedAt: number;
  readonly startOnEnter: boolean;
  readonly endOnExit: boolean;
  /** Tells the participant's call that its room started or ended (never for its own join or leave). */
  readonly notify: (event: ConferenceEvent) => void;
};

export class ConferenceRoom {
  readonly sid = `CF${randomBytes(16).toString('hex')}`;
  readonly participants: Participant[] = [];
  startedAt: number | undefined;
  ended = false;

  constructor(readonly name: string) {}

  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /** Adds a participant; true when this arrival started the conference (the others are told). */
  join(participant: Participant, now: number): boolean {
    if (this.ended) throw new Error(`conference ${this.name} has ended`);
    this.participants.push(participant);
    if (this.started || this.participants.length < 2 || !this.participants.some((someone) => someone.startOnEnter)) return false;
    this.startedAt = now;
    for (const other of this.participants) if (other !== participant) other.notify('started');
    return true;
  }

  /** Removes a participant; true when this departure ended the conference (the others are told). */
  leave(participant: Participant): boolean {
    const index = this.participants.indexOf(participant);
    if (index < 0) return false;
    this.participants.splice(index, 1);
    if (this.ended) return false;
    if (!participant.endOnExit && this.participants.length > 0) return false;
    this.ended = true;
    for (const other of [...this.participants]) other.notify('ended');
    return true;
  }

  /** The other participants of `participant`, in order of arrival. */
  others(participant: Participant): Participant[] {
    return this.participants.filter((someone) => someone !== participant);
  }
}

export class ConferenceRooms {
  private readonly rooms = new Map<string, ConferenceRoom>();

  /** The live room of that name, or a new one (a name whose room has ended names a new room). */
  enter(name: string): ConferenceRoom {
    const existing = this.rooms.get(name);
    if (existing !== undefined && !existing.ended) return existing;
    const room = new ConferenceRoom(name);
    this.rooms.set(name, room);
    return room;
  }

  /** The room of that name now, if any (ended or not). */
  get(name: string): ConferenceRoom | undefined {
    return this.rooms.get(name);
  }
}

/** Twilio's own hold music, played to a conference participant who waits when <Conference> names no waitUrl. */
const TWILIO_DEFAULT_WAIT_MUSIC = 'http://twimlets.com/holdmusic?Bucket=com.twilio.music.classical';
/** <Dial timeLimit> when none is given (Twilio's default: 4 hours). */
const DEFAULT_DIAL_TIME_LIMIT = 14_400;

/** The verbs a conference's waitUrl document may use (Twilio error 13238). */
const CONFERENCE_WAIT_RULES: WaitRules = {
  allowed: ['Say', 'Play', 'Pause', 'Redirect'],
  refuse: (verb) =>
    new TwimlRuleError(
      'verb not allowed in conference waitUrl',
      `<${verb}> cannot be used in a conference waitUrl document (Say, Play, Pause and Redirect only; Twilio error 13238)`,
    ),
  params: () => ({}),
};

/**
 * <Dial><Conference>: the call enters the named room (after its `conferenceDelay`) and waits,
 * hearing the waitUrl, until the conference starts; then it talks `talkSeconds` and hangs up, unless
 * the conference ends first (another participant with `endConferenceOnExit` left), the caller hangs
 * up, or the REST API moves the call. The <Dial> action gets `DialCallStatus=answered` (Twilio's
 * value for a conference) and `DialCallDuration`, the seconds in the room; `timeLimit` bounds the stay.
 */
export async function dialConference(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  noun: TwimlElement,
  resolve: Resolve,
): Promise<ActionParams | Interrupt> {
  const delay = call.script.conferenceDelay ?? 0;
  if (delay > 0) {
    const interrupt = await call.wait(delay);
    if (interrupt !== undefined) return interrupt;
  }
  const room = context.conferences.enter(noun.text.trim());
  const participant: Participant = {
    party: context.partyOf(call),
    callSid: call.sid,
    joinedAt: context.clock.now,
    startOnEnter: noun.attrs.startConferenceOnEnter !== 'false',
    endOnExit: noun.attrs.endConferenceOnExit === 'true',
    notify: (event) => call.interrupt({ kind: event === 'started' ? 'conference-started' : 'conference-ended' }),
  };
  call.inConference = room.sid;
  const alone = room.participants.length === 0;
  context.log(call, { type: 'conference', name: room.name, event: 'join', with: room.participants.map((someone) => someone.party) });
  const limit = Number(verb.attrs.timeLimit ?? String(DEFAULT_DIAL_TIME_LIMIT));
  void context.clock.sleep(limit).then(() => {
    if (room.participants.includes(participant)) call.interrupt({ kind: 'conference-ended' });
  });
  if (room.join(participant, context.clock.now)) conferenceStarted(context, room);
  else if (room.started) {
    // A late arrival in a conference under way talks at once.
    const first = room.others(participant)[0];
    call.answeredBy ??= first?.party;
    call.answeredAt ??= context.clock.now;
    context.log(call, {
      type: 'conference',
      name: room.name,
      event: 'start',
      with: room.others(participant).map((someone) => someone.party),
    });
  }
  const leave = (): Record<string, string> => {
    call.leftConference();
    const seconds = Math.round(context.clock.now - participant.joinedAt);
    context.log(call, { type: 'conference', name: room.name, event: 'leave', seconds });
    if (room.started && room.startedAt !== undefined)
      call.talkSeconds = (call.talkSeconds ?? 0) + Math.round(context.clock.now - Math.max(room.startedAt, participant.joinedAt));
    if (room.leave(participant)) context.log(call, { type: 'conference', name: room.name, event: 'end' });
    return { DialCallStatus: 'answered', DialCallDuration: String(seconds) };
  };
  let stayed: Interrupt | undefined;
  try {
    stayed = await stay(context, call, room, noun, resolve, alone);
  } catch (error) {
    leave();
    throw error;
  }
  if (stayed === undefined || stayed.kind === 'caller-hangup') {
    // This party's talk is over (or the caller hung up first): they hang up.
    call.callerGone = true;
    return { kind: 'action', params: { ...leave(), CallStatus: 'completed' } };
  }
  const params = leave();
  if (stayed.kind === 'conference-ended') return { kind: 'action', params };
  return stayed;
}

/** In the room: wait for the conference to start, then talk. Undefined when the talk is over. */
async function stay(
  context: VerbContext,
  call: SimCall,
  room: ConferenceRoom,
  noun: TwimlElement,
  resolve: Resolve,
  alone: boolean,
): Promise<Interrupt | undefined> {
  if (!room.started) {
    const waited = await conferenceWait(context, call, noun, resolve, alone);
    if (waited.kind !== 'conference-started') return waited;
  }
  return call.wait(call.script.talkSeconds ?? DEFAULT_TALK_SECONDS);
}

/** The room started: each participant is connected to the first other one (for "answered by"). */
function conferenceStarted(context: VerbContext, room: ConferenceRoom): void {
  for (const participant of room.participants) {
    const call = context.callBySid(participant.callSid);
    const other = room.others(participant)[0];
    if (call === undefined || other === undefined) continue;
    call.answeredBy ??= other.party;
    call.answeredAt ??= context.clock.now;
    context.log(call, {
      type: 'conference',
      name: room.name,
      event: 'start',
      with: room.others(participant).map((someone) => someone.party),
    });
  }
}

/**
 * Waiting alone in a conference: the waitUrl's TwiML, requested again whenever it ends (only Say,
 * Play, Pause and Redirect are allowed there: Twilio error 13238); `waitUrl=""` is silence; no
 * waitUrl is Twilio's own hold music. Ends only by an interrupt (the conference starts, ...).
 */
async function conferenceWait(
  context: VerbContext,
  call: SimCall,
  noun: TwimlElement,
  resolve: Resolve,
  first: boolean,
): Promise<Interrupt> {
  const waitUrl = noun.attrs.waitUrl;
  if (waitUrl === undefined || waitUrl === '') {
    if (waitUrl === undefined && first) context.log(call, { type: 'play', url: TWILIO_DEFAULT_WAIT_MUSIC });
    for (;;) {
      const interrupt = await call.wait(3600);
      if (interrupt !== undefined) return interrupt;
    }
  }
  for (;;) {
    const started = context.clock.now;
    const waited = await playWaitUrl(context, call, resolve(waitUrl), methodOf(noun.attrs.waitMethod), CONFERENCE_WAIT_RULES);
    if (waited === 'Leave' || waited === 'Hangup') throw CONFERENCE_WAIT_RULES.refuse(waited);
    if (waited !== undefined) return waited;
    // Twilio requests the waitUrl again when its TwiML ends; an empty document is not a busy loop.
    if (context.clock.now === started) {
      const interrupt = await call.wait(1);
      if (interrupt !== undefined) return interrupt;
    }
  }
}
