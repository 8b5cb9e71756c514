import { randomBytes } from 'node:crypto';

/**
 * Named conference rooms, as Twilio keeps them for `<Dial><Conference>` (reference/twilio.md,
 * https://www.twilio.com/docs/voice/twiml/conference): a room is created when its first participant
 * arrives; it starts when a second participant is there and at least one of them has
 * `startConferenceOnEnter` (the default); until then the participants wait (and hear the waitUrl).
 * It ends when a participant with `endConferenceOnExit` leaves, or the last one does; the others then
 * drop out. A name whose room has ended names a new room. The engine (engine.ts) moves the calls;
 * this file only keeps who is in which room.
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
