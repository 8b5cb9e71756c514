import { createHash, randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { SimulatedClock } from './clock.js';
import { DEFAULT_ACCOUNT_SID } from './defaults.js';
import { parseTwiml, TwimlRuleError, type TwimlElement } from './twiml.js';
import { ConferenceRooms, type ConferenceRoom, type Participant } from './verbs/conference.js';

/**
 * The call simulator's engine: it plays Twilio's part for calls into the project (reference/twilio.md).
 * It posts signed webhooks with the parameters Twilio sends, follows the TwiML it gets back on one
 * simulated clock, lets the devices of members answer or not as told, and serves the REST requests
 * the project makes (rest-api.ts calls into `redirectCall`, `endCall` and `dequeue`). Named
 * conferences (`<Dial><Conference>`) are kept in verbs/conference.ts.
 */

/** What a device does when it rings. `answer` answers after 2 s and talks for 60 s. */
export type DeviceBehaviour =
  | 'answer'
  | 'no-answer'
  | 'busy'
  | 'reject'
  | 'failed'
  | { answerAfter: number; hangUpAfter?: number | undefined };

export type Behaviours = Record<string, DeviceBehaviour | DeviceBehaviour[]>;

export type CallerScript = {
  /** A name for the call in transcripts and expectations. */
  id: string;
  /** The call's CallSid (`CA` + 32 hex digits); a random one unless given, e.g. to replay a run. */
  sid?: string | undefined;
  from: string;
  to: string;
  /** Seconds after the simulation starts. */
  at?: number | undefined;
  /** Keys the caller presses during the first <Gather>, `digitsAfter` seconds into it (default 1). */
  digits?: string | undefined;
  digitsAfter?: number | undefined;
  /** The caller hangs up this many seconds after the call starts. */
  hangUpAfter?: number | undefined;
  /** Seconds the caller speaks into a <Record> (default 10; 0 hangs up at the beep). */
  message?: number | undefined;
  /** Behaviours for this call only, by member id or device address. */
  devices?: Behaviours | undefined;
  /**
   * The webhook the call starts at: `/voice/incoming` for a call to one of the numbers (default),
   * `/voice/outbound` for a call placed by a member's softphone or SIP phone (`from` is then
   * `client:<identity>` or the phone's SIP URI; such a `from` implies this path).
   */
  path?: string | undefined;
  /**
   * Seconds this caller talks once bridged through a <Dial><Queue> or in a started <Dial><Conference>
   * (default 60). In a conference the caller then hangs up.
   */
  talkSeconds?: number | undefined;
  /**
   * Seconds this call takes to enter a <Dial><Conference> once its TwiML asks for it (default 0), as
   * a slow network or Twilio's own delay would: a scenario chooses which side of a bridge arrives first.
   */
  conferenceDelay?: number | undefined;
  /**
   * Seconds a REST redirect of this call takes to reach it (default 0: at once). Meanwhile the call
   * goes on with what it was doing, e.g. its offer keeps ringing.
   */
  redirectDelay?: number | undefined;
  /**
   * End this caller's wait in a queue after `after` seconds with a QueueResult that Twilio produces
   * only on its own faults or races, so the project's handling of every QueueResult can be tested.
   */
  queueFault?: { after: number; result: QueueFault } | undefined;
};

export type QueueFault = 'error' | 'system-error' | 'bridging-in-process' | 'redirected-from-bridged';

export type Transport = (request: { url: string; method: 'GET' | 'POST'; params: Record<string, string>; signature: string }) => Promise<{ status: number; body: string }>;

export type SimulationOptions = {
  /** Where the project answers, e.g. http://127.0.0.1:3000; the call arrives at `${baseUrl}/voice/incoming`. */
  baseUrl: string;
  authToken: string;
  accountSid?: string;
  transport: Transport;
  /** Behaviours for every call, by member id or device address; unknown devices do not answer. */
  devices?: Behaviours;
  /** Device address (client identity, number, SIP URI) to member id, for transcripts and behaviours. */
  directory?: ReadonlyMap<string, string>;
  /** The number's "call status changes" URL, relative to baseUrl; null for none. */
  statusCallbackPath?: string | null;
  /** The size at which a queue is full (Twilio's default is 1000). */
  queueMaxSize?: number;
  /** Seconds a <Play> lasts (Twilio plays the whole file; we cannot know its length). */
  playSeconds?: number;
  /**
   * Whether Twilio requests the <Record> action after an empty recording: the docs disagree
   * (reference/twilio.md), so the project must work either way; default true.
   */
  emptyRecordingRequestsAction?: boolean;
  /**
   * When the REST API moves a call off a ringing <Dial> (a redirect with `Url` or `Twiml`, or a
   * dequeue), the <Dial> ends with every leg canceled and Twilio requests its action with
   * `DialCallStatus=canceled` (answer ignored: the call runs the new TwiML). Twilio's docs do not say
   * when, so each reading can be played: 'before' (default) right after the redirect, before the new
   * TwiML's first request; 'after' after that request; 'never' not at all.
   */
  interruptedDialAction?: InterruptedDialAction;
};

export type InterruptedDialAction = 'before' | 'after' | 'never';

const DEFAULT_ANSWER_AFTER = 2;
/** Twilio's own hold music, played to a conference participant who waits when <Conference> names no waitUrl. */
const TWILIO_DEFAULT_WAIT_MUSIC = 'http://twimlets.com/holdmusic?Bucket=com.twilio.music.classical';
/** <Dial timeLimit> when none is given (Twilio's default: 4 hours). */
const DEFAULT_DIAL_TIME_LIMIT = 14_400;
const DEFAULT_TALK_SECONDS = 60;
/** Twilio rings about `timeout` + 5 seconds (its documented buffer). */
const DIAL_BUFFER_SECONDS = 5;

export type TranscriptEvent = { at: number; call: string } & (
  | { type: 'call-start'; from: string; to: string; sid: string }
  | { type: 'say'; text: string; language?: string }
  | { type: 'play'; url: string }
  | { type: 'pause'; seconds: number }
  | { type: 'gather'; numDigits?: number; digits?: string }
  | { type: 'redirect'; url: string }
  | { type: 'offer'; nouns: string[]; members: string[]; timeout: number }
  | { type: 'device'; noun: string; member?: string; outcome: 'answered' | 'busy' | 'rejected' | 'failed' | 'no-answer' | 'canceled' | 'hung-up' }
  | { type: 'dial-end'; status: string; answeredBy?: string; talkSeconds?: number }
  /** The action of a <Dial> the REST API interrupted was requested; `verbs` is its answer, which Twilio ignores. */
  | { type: 'dial-action-ignored'; url: string; verbs: string[] }
  | { type: 'record'; seconds: number }
  | { type: 'enqueue'; queue: string; position: number }
  | { type: 'queue-leave'; queue: string; result: string; waitedSeconds: number }
  | { type: 'rest'; what: string }
  | { type: 'conference'; name: string; event: 'join' | 'start' | 'leave' | 'end'; with?: string[]; seconds?: number }
  | { type: 'hangup'; by: 'twiml' | 'caller' | 'document-end' | 'rest' | 'reject' }
  | { type: 'error'; message: string; rule?: string }
);

export type Offer = { at: number; nouns: string[]; members: string[]; timeout: number; status: string; answeredBy?: string };

export type CallResult = {
  id: string;
  sid: string;
  from: string;
  to: string;
  startedAt: number;
  endedAt: number;
  offers: Offer[];
  /** Member id (or device address) who took the call, if anyone. */
  answeredBy?: string;
  answeredAt?: number;
  talkSeconds?: number;
  recordings: { recordingSid: string; seconds: number }[];
  ended: 'hangup' | 'caller-hung-up' | 'document-ended' | 'rejected' | 'error';
  errors: string[];
  requests: { url: string; params: Record<string, string> }[];
};

type Interrupt =
  | { kind: 'caller-hangup' }
  | { kind: 'redirect'; url?: string; twiml?: string; method?: string }
  | { kind: 'end' }
  | { kind: 'dequeue'; url: string; method?: string }
  | { kind: 'bridged' }
  | { kind: 'queue-fault'; result: QueueFault }
  | { kind: 'conference-started' }
  | { kind: 'conference-ended' };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type EventBody = DistributiveOmit<TranscriptEvent, 'at' | 'call'>;

class Interrupted extends Error {
  constructor(readonly interrupt: Interrupt) {
    super(`interrupted: ${interrupt.kind}`);
    this.name = 'Interrupted';
  }
}

type Move = Extract<Interrupt, { kind: 'redirect' | 'dequeue' }>;

/**
 * The REST API moved the call off its ringing <Dial>: every leg was canceled; `params` are what the
 * <Dial>'s action gets (Simulation.leaveRingingDial requests it as `interruptedDialAction` says).
 */
class DialMoved extends Error {
  constructor(
    readonly move: Move,
    readonly params: Record<string, string>,
  ) {
    super(`ringing <Dial> interrupted: ${move.kind}`);
    this.name = 'DialMoved';
  }
}

class CallEnded extends Error {
  constructor(readonly how: CallResult['ended']) {
    super(`call ended: ${how}`);
    this.name = 'CallEnded';
  }
}

type Device = { address: string; member: string | undefined; connectedTo: string | undefined; rings: number };

type QueueEntry = { call: SimCall; joinedAt: number; bridge?: (partner: SimCall, talkSeconds: number) => void };
type SimQueue = { name: string; sid: string; members: QueueEntry[]; maxSize: number; waited: number[] };

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function speechSeconds(text: string): number {
  return Math.max(1, Math.ceil(text.trim().split(/\s+/).length / 2.5));
}

class SimCall {
  readonly sid: string;
  readonly requests: { url: string; params: Record<string, string> }[] = [];
  readonly offers: Offer[] = [];
  readonly recordings: { recordingSid: string; seconds: number }[] = [];
  readonly errors: string[] = [];
  status: 'ringing' | 'in-progress' | 'completed' = 'ringing';
  answeredBy: string | undefined;
  answeredAt: number | undefined;
  talkSeconds: number | undefined;
  ended: CallResult['ended'] | undefined;
  endedAt = 0;
  startedAt = 0;
  digitsUsed = false;
  callerGone = false;
  inQueue: SimQueue | undefined;
  /** The conference room the call is in now (its sid), so a room's news reaches only its participants. */
  inConference: string | undefined;
  private pending: Interrupt | undefined;
  private wake: ((interrupt: Interrupt) => void) | undefined;

  constructor(readonly script: CallerScript) {
    this.sid = script.sid ?? `CA${hex(16)}`;
  }

  /** Interrupt what the call is doing now (hang-up, REST redirect, dequeue, its conference's news). */
  interrupt(interrupt: Interrupt): void {
    if (this.ended !== undefined) return;
    if ((interrupt.kind === 'conference-started' || interrupt.kind === 'conference-ended') && this.inConference === undefined) return;
    // A caller hang-up outranks a redirect that has not been acted on yet.
    if (this.pending === undefined || interrupt.kind === 'caller-hangup') this.pending = interrupt;
    this.wake?.(interrupt);
  }

  /** Throws Interrupted if something interrupted the call. */
  check(): void {
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      throw new Interrupted(pending);
    }
  }

  /**
   * A promise that rejects when the call is interrupted, to race against waits. The interrupt stays
   * pending until `check` or `consume` takes it, so one that arrives as a wait ends is not lost.
   */
  interruption(): Promise<never> {
    return new Promise<never>((_resolve, reject) => {
      if (this.pending !== undefined) {
        reject(new Interrupted(this.pending));
        return;
      }
      this.wake = (interrupt) => {
        this.wake = undefined;
        reject(new Interrupted(interrupt));
      };
    });
  }

  /** The pending interrupt was delivered (by a rejected wait). */
  consume(): void {
    this.pending = undefined;
  }

  /** The call left its conference: news of that room that was not acted on no longer applies. */
  leftConference(): void {
    this.inConference = undefined;
    if (this.pending?.kind === 'conference-started' || this.pending?.kind === 'conference-ended') this.pending = undefined;
  }

  stopListening(): void {
    this.wake = undefined;
  }
}

export class Simulation {
  readonly clock = new SimulatedClock();
  readonly events: TranscriptEvent[] = [];
  readonly accountSid: string;
  private readonly calls: SimCall[] = [];
  private readonly devices = new Map<string, Device>();
  private readonly queues = new Map<string, SimQueue>();
  private readonly conferences = new ConferenceRooms();
  private readonly behaviourUse = new Map<string, number>();
  /** Wall-clock time of simulated second 0: Twilio's `Timestamp` parameters follow the simulated clock. */
  private readonly epoch = Date.now();

  constructor(private readonly options: SimulationOptions) {
    this.accountSid = options.accountSid ?? DEFAULT_ACCOUNT_SID;
  }

  // ------------------------------------------------------------------------------------------
  // Running

  /** Plays every caller's call to its end on the simulated clock; the results in script order. */
  async run(callers: readonly CallerScript[]): Promise<CallResult[]> {
    const calls = callers.map((script) => new SimCall(script));
    const sids = [...this.calls, ...calls].map((call) => call.sid);
    if (new Set(sids).size !== sids.length) throw new Error('two simulated calls have the same CallSid');
    this.calls.push(...calls);
    const finished = calls.map(async (call) => {
      await this.clock.sleep(call.script.at ?? 0);
      await this.playCall(call);
    });
    await this.clock.run();
    await Promise.all(finished);
    return calls.map((call) => this.resultOf(call));
  }

  private resultOf(call: SimCall): CallResult {
    return {
      id: call.script.id,
      sid: call.sid,
      from: call.script.from,
      to: call.script.to,
      startedAt: call.startedAt,
      endedAt: call.endedAt,
      offers: call.offers,
      ...(call.answeredBy === undefined ? {} : { answeredBy: call.answeredBy, answeredAt: call.answeredAt ?? 0, talkSeconds: call.talkSeconds ?? 0 }),
      recordings: call.recordings,
      ended: call.ended ?? 'error',
      errors: call.errors,
      requests: call.requests,
    };
  }

  private log(call: SimCall, event: EventBody): void {
    this.events.push({ at: this.clock.now, call: call.script.id, ...event });
  }

  memberOf(address: string): string | undefined {
    return this.options.directory?.get(address);
  }

  private async playCall(call: SimCall): Promise<void> {
    call.startedAt = this.clock.now;
    this.log(call, { type: 'call-start', from: call.script.from, to: call.script.to, sid: call.sid });
    if (call.script.hangUpAfter !== undefined) {
      void this.clock.sleep(call.script.hangUpAfter).then(() => {
        if (call.ended === undefined) {
          call.callerGone = true;
          call.interrupt({ kind: 'caller-hangup' });
        }
      });
    }
    // A call from a softphone or a SIP phone goes to the TwiML App's URL unless told otherwise.
    const placedByDevice = /^(client|sips?):/.test(call.script.from);
    let url = new URL(call.script.path ?? (placedByDevice ? '/voice/outbound' : '/voice/incoming'), this.options.baseUrl).toString();
    try {
      let verbs = await this.fetchTwiml(call, url, 'POST', {});
      call.status = 'in-progress';
      for (;;) {
        try {
          const next = await this.execute(call, verbs, url);
          if (next === undefined) throw new CallEnded('document-ended');
          ({ verbs, url } = next);
        } catch (error) {
          if (!(error instanceof Interrupted)) throw error;
          const interrupt = error.interrupt;
          if (interrupt.kind === 'caller-hangup') throw new CallEnded('caller-hung-up');
          if (interrupt.kind === 'end' || interrupt.kind === 'bridged' || interrupt.kind === 'queue-fault') throw new CallEnded('hangup');
          if (interrupt.kind === 'conference-started' || interrupt.kind === 'conference-ended') throw new Error(`the simulator lost track of a conference (${interrupt.kind} outside it)`);
          if (interrupt.kind === 'redirect' && interrupt.twiml !== undefined) {
            verbs = this.parseInlineTwiml(interrupt.twiml);
            url = 'inline:';
          } else if (interrupt.kind === 'redirect' || interrupt.kind === 'dequeue') {
            url = interrupt.url ?? url;
            verbs = await this.fetchTwiml(call, url, interrupt.method === 'GET' ? 'GET' : 'POST', {});
          }
        }
      }
    } catch (error) {
      if (error instanceof CallEnded) call.ended = error.how;
      else if (error instanceof Interrupted) call.ended = error.interrupt.kind === 'caller-hangup' ? 'caller-hung-up' : 'hangup';
      else {
        const message = error instanceof Error ? error.message : String(error);
        call.errors.push(message);
        call.ended = 'error';
        this.log(call, { type: 'error', message, ...(error instanceof TwimlRuleError ? { rule: error.rule } : {}) });
        this.log(call, { type: 'say', text: 'We are sorry, an application error has occurred. Goodbye.' });
      }
    }
    call.stopListening();
    call.status = 'completed';
    call.endedAt = this.clock.now;
    this.leaveQueue(call);
    const by = call.ended === 'caller-hung-up' ? 'caller' : call.ended === 'document-ended' ? 'document-end' : call.ended === 'rejected' ? 'reject' : 'twiml';
    if (call.ended !== 'error' && !this.events.some((event) => event.call === call.script.id && event.type === 'hangup')) this.log(call, { type: 'hangup', by });
    const statusPath = this.options.statusCallbackPath === undefined ? '/voice/status' : this.options.statusCallbackPath;
    if (statusPath !== null) {
      await this.post(call, new URL(statusPath, this.options.baseUrl).toString(), 'POST', {
        CallStatus: 'completed',
        CallDuration: String(Math.round(call.endedAt - call.startedAt)),
        CallbackSource: 'call-progress-events',
        SequenceNumber: '0',
        Timestamp: this.timestamp(),
      }).catch((error: unknown) => call.errors.push(`status callback failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private parseInlineTwiml(twiml: string): TwimlElement[] {
    const verbs = parseTwiml(twiml);
    // Inline TwiML has no document URL to resolve against: every URL in it must be absolute.
    const walk = (elements: TwimlElement[]): void => {
      for (const element of elements) {
        for (const attr of ['action', 'waitUrl', 'url', 'statusCallback', 'recordingStatusCallback']) {
          const value = element.attrs[attr];
          // waitUrl="" (a conference without hold music) names no URL.
          if (attr === 'waitUrl' && value === '') continue;
          if (value !== undefined && !/^https?:\/\//.test(value)) throw new TwimlRuleError('relative URL in inline TwiML', `${attr}="${value}" must be absolute when TwiML is sent with the REST API`);
        }
        if (element.name === 'Redirect' && !/^https?:\/\//.test(element.text)) throw new TwimlRuleError('relative URL in inline TwiML', `<Redirect>${element.text}</Redirect> must be absolute`);
        walk(element.children);
      }
    };
    walk(verbs);
    return verbs;
  }

  // ------------------------------------------------------------------------------------------
  // Webhooks

  /** The simulated moment as Twilio writes it in `Timestamp` (RFC 2822). */
  timestamp(): string {
    return new Date(this.epoch + this.clock.now * 1000).toUTCString();
  }

  private baseParams(call: SimCall): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.callerGone ? 'completed' : call.status,
      Called: call.script.to,
      Caller: call.script.from,
      Direction: 'inbound',
      From: call.script.from,
      To: call.script.to,
    };
  }

  private async post(call: SimCall, url: string, method: 'GET' | 'POST', extra: Record<string, string>): Promise<{ status: number; body: string }> {
    const params = { ...this.baseParams(call), ...extra };
    call.requests.push({ url, params });
    if (call.requests.length > 500) throw new Error('the call made more than 500 webhook requests: a loop?');
    const target = method === 'GET' ? `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}` : url;
    const signature = getExpectedTwilioSignature(this.options.authToken, target, method === 'GET' ? {} : params);
    return this.clock.track(() => this.options.transport({ url: target, method, params: method === 'GET' ? {} : params, signature }));
  }

  /** A webhook whose answer is TwiML to run; anything but 200 and valid TwiML fails like Twilio does. */
  private async fetchTwiml(call: SimCall, url: string, method: 'GET' | 'POST', extra: Record<string, string>): Promise<TwimlElement[]> {
    const response = await this.post(call, url, method, extra);
    if (response.status !== 200) throw new Error(`${url} answered HTTP ${response.status}: Twilio would play its application error (11200)`);
    return parseTwiml(response.body);
  }

  // ------------------------------------------------------------------------------------------
  // Verbs

  /** Wait simulated seconds unless the call is interrupted first. */
  private async wait(call: SimCall, seconds: number): Promise<void> {
    call.check();
    try {
      await Promise.race([this.clock.sleep(seconds), call.interruption()]);
    } catch (error) {
      call.consume();
      throw error;
    } finally {
      call.stopListening();
    }
    // An interrupt at the very moment the wait ended still counts.
    call.check();
  }

  /** Runs verbs until the document ends (undefined) or moves to another document. */
  private async execute(call: SimCall, verbs: TwimlElement[], url: string): Promise<{ verbs: TwimlElement[]; url: string } | undefined> {
    const resolve = (relative: string): string => new URL(relative, url === 'inline:' ? undefined : url).toString();
    for (let index = 0; index < verbs.length; index += 1) {
      const verb = verbs[index] as TwimlElement;
      call.check();
      const method = verb.attrs.method === 'GET' ? 'GET' : 'POST';
      switch (verb.name) {
        case 'Say':
        case 'Play':
        case 'Pause':
          await this.playMedia(call, verb);
          break;
        case 'Gather': {
          const digits = await this.gather(call, verb);
          if (digits !== undefined || verb.attrs.actionOnEmptyResult === 'true') {
            const next = resolve(verb.attrs.action ?? url);
            return { verbs: await this.fetchTwiml(call, next, method, { Digits: digits ?? '', FinishedOnKey: '' }), url: next };
          }
          break;
        }
        case 'Dial': {
          let params: Record<string, string>;
          try {
            params = await this.dial(call, verb, resolve);
          } catch (error) {
            if (error instanceof DialMoved) return this.leaveRingingDial(call, verb, resolve, error);
            throw error;
          }
          const next = await this.followAction(call, verb, resolve, params);
          if (next !== undefined) return next;
          break;
        }
        case 'Record': {
          const params = await this.record(call, verb, resolve);
          const next = params === undefined ? undefined : await this.followAction(call, verb, resolve, params);
          if (next !== undefined) return next;
          if (call.callerGone) throw new CallEnded('caller-hung-up');
          break;
        }
        case 'Redirect': {
          const next = resolve(verb.text);
          this.log(call, { type: 'redirect', url: verb.text });
          return { verbs: await this.fetchTwiml(call, next, method, {}), url: next };
        }
        case 'Hangup':
          this.log(call, { type: 'hangup', by: 'twiml' });
          throw new CallEnded('hangup');
        case 'Reject':
          this.log(call, { type: 'hangup', by: 'reject' });
          throw new CallEnded('rejected');
        case 'Enqueue': {
          const outcome = await this.enqueue(call, verb, resolve);
          if (outcome.next !== undefined) return outcome.next;
          const next = await this.followAction(call, verb, resolve, outcome.params);
          if (next !== undefined) return next;
          break;
        }
        case 'Leave':
          // <Leave> outside a waiting line does nothing.
          break;
        default:
          throw new TwimlRuleError('unknown verb', `<${verb.name}>`);
      }
    }
    return undefined;
  }

  /**
   * After a verb that ends with an action request: request it (Twilio does so even when the caller
   * has hung up, and then ignores the answer). Undefined when the verb has no action.
   */
  private async followAction(call: SimCall, verb: TwimlElement, resolve: (relative: string) => string, params: Record<string, string>): Promise<{ verbs: TwimlElement[]; url: string } | undefined> {
    if (verb.attrs.action === undefined) {
      if (call.callerGone) throw new CallEnded('caller-hung-up');
      return undefined;
    }
    const next = resolve(verb.attrs.action);
    const verbs = await this.fetchTwiml(call, next, verb.attrs.method === 'GET' ? 'GET' : 'POST', params);
    if (call.callerGone) throw new CallEnded('caller-hung-up');
    return { verbs, url: next };
  }

  /**
   * The REST API moved the call off a ringing <Dial> (a redirect or a dequeue): the call runs the new
   * TwiML, and Twilio requests the <Dial>'s action with `DialCallStatus=canceled` before the new TwiML's
   * first request, after it, or not at all (the `interruptedDialAction` option: the docs do not say).
   * That action's answer is ignored, but it must still be TwiML Twilio accepts.
   */
  private async leaveRingingDial(call: SimCall, verb: TwimlElement, resolve: (relative: string) => string, moved: DialMoved): Promise<{ verbs: TwimlElement[]; url: string }> {
    const reading = this.options.interruptedDialAction ?? 'before';
    const action = verb.attrs.action;
    const requestAction = async (): Promise<void> => {
      if (reading === 'never' || action === undefined) return;
      const url = resolve(action);
      const answer = await this.fetchTwiml(call, url, verb.attrs.method === 'GET' ? 'GET' : 'POST', moved.params);
      this.log(call, { type: 'dial-action-ignored', url, verbs: answer.map((element) => element.name) });
    };
    if (reading === 'before') await requestAction();
    const next = await this.movedTo(call, moved.move);
    if (reading === 'after') await requestAction();
    return next;
  }

  /** The TwiML a REST redirect or dequeue sends the call to. */
  private async movedTo(call: SimCall, move: Move): Promise<{ verbs: TwimlElement[]; url: string }> {
    if (move.kind === 'redirect' && move.twiml !== undefined) return { verbs: this.parseInlineTwiml(move.twiml), url: 'inline:' };
    const url = move.url ?? '';
    return { verbs: await this.fetchTwiml(call, url, move.method === 'GET' ? 'GET' : 'POST', {}), url };
  }

  private async playMedia(call: SimCall, verb: TwimlElement): Promise<number> {
    const loops = Math.max(1, Number(verb.attrs.loop ?? '1') || 1);
    let seconds: number;
    if (verb.name === 'Say') {
      this.log(call, { type: 'say', text: verb.text, ...(verb.attrs.language === undefined ? {} : { language: verb.attrs.language }) });
      seconds = speechSeconds(verb.text) * loops;
    } else if (verb.name === 'Play') {
      this.log(call, { type: 'play', url: verb.text });
      seconds = (this.options.playSeconds ?? 5) * loops;
    } else {
      seconds = Number(verb.attrs.length ?? '1');
      this.log(call, { type: 'pause', seconds });
    }
    await this.wait(call, seconds);
    return seconds;
  }

  /** <Gather>: keys count while the prompt plays and for `timeout` seconds after it. */
  private async gather(call: SimCall, verb: TwimlElement): Promise<string | undefined> {
    const numDigits = verb.attrs.numDigits === undefined ? undefined : Number(verb.attrs.numDigits);
    const timeout = Number(verb.attrs.timeout ?? '5');
    // The caller presses their keys once, during the first <Gather>; keys pressed too late are lost.
    const keys = call.digitsUsed ? undefined : call.script.digits;
    call.digitsUsed = true;
    const pressAfter = call.script.digitsAfter ?? 1;
    const promptSeconds = verb.children.reduce((sum, child) => sum + (child.name === 'Say' ? speechSeconds(child.text) : child.name === 'Play' ? (this.options.playSeconds ?? 5) : Number(child.attrs.length ?? '1')), 0);
    const started = this.clock.now;
    if (keys !== undefined && keys !== '' && pressAfter <= promptSeconds + timeout) {
      // The prompt plays until the first key, which stops it.
      for (const child of verb.children) {
        if (this.clock.now - started >= pressAfter) break;
        if (child.name === 'Say') this.log(call, { type: 'say', text: child.text, ...(child.attrs.language === undefined ? {} : { language: child.attrs.language }) });
        if (child.name === 'Play') this.log(call, { type: 'play', url: child.text });
        await this.wait(call, Math.min(pressAfter - (this.clock.now - started), child.name === 'Say' ? speechSeconds(child.text) : child.name === 'Play' ? (this.options.playSeconds ?? 5) : Number(child.attrs.length ?? '1')));
      }
      await this.wait(call, Math.max(0, pressAfter - (this.clock.now - started)));
      const finishOnKey = verb.attrs.finishOnKey ?? '#';
      let typed = keys;
      const finish = finishOnKey === '' ? -1 : typed.indexOf(finishOnKey);
      if (finish >= 0) typed = typed.slice(0, finish);
      if (numDigits !== undefined) typed = typed.slice(0, numDigits);
      const complete = finish >= 0 || (numDigits !== undefined && keys.length >= numDigits);
      // Without a finishing key or enough digits, Twilio waits `timeout` after the last key.
      if (!complete) await this.wait(call, timeout);
      this.log(call, { type: 'gather', ...(numDigits === undefined ? {} : { numDigits }), ...(typed === '' ? {} : { digits: typed }) });
      return typed === '' ? undefined : typed;
    }
    for (const child of verb.children) await this.playMedia(call, child);
    await this.wait(call, timeout);
    this.log(call, { type: 'gather', ...(numDigits === undefined ? {} : { numDigits }) });
    return undefined;
  }

  // ------------------------------------------------------------------------------------------
  // Devices and <Dial>

  private device(address: string): Device {
    let device = this.devices.get(address);
    if (device === undefined) {
      device = { address, member: this.memberOf(address), connectedTo: undefined, rings: 0 };
      this.devices.set(address, device);
    }
    return device;
  }

  /** The behaviour of a device for this ring: by address, else by member; a list is used in order. */
  private behaviourFor(call: SimCall, device: Device): DeviceBehaviour {
    const sources = [call.script.devices, this.options.devices];
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

  private childSid(): string {
    return `CA${hex(16)}`;
  }

  /** Child-leg status callbacks as a noun asks for them (statusCallback + statusCallbackEvent). */
  private childCallback(call: SimCall, noun: TwimlElement, resolve: (relative: string) => string, leg: { sid: string; sequence: number }, event: string, status: string, extra: Record<string, string> = {}): void {
    const callback = noun.attrs.statusCallback;
    if (callback === undefined) return;
    const wanted = (noun.attrs.statusCallbackEvent ?? 'completed').split(/[\s,]+/);
    if (!wanted.includes(event)) return;
    const sequence = leg.sequence;
    leg.sequence += 1;
    const params = {
      AccountSid: this.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: leg.sid,
      ParentCallSid: call.sid,
      CallStatus: status,
      Called: noun.text,
      To: noun.text,
      From: call.script.from,
      Caller: call.script.from,
      Direction: 'outbound-dial',
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(sequence),
      Timestamp: this.timestamp(),
      ...extra,
    };
    const url = resolve(callback);
    call.requests.push({ url, params });
    const signature = getExpectedTwilioSignature(this.options.authToken, url, params);
    void this.clock
      .track(() => this.options.transport({ url, method: noun.attrs.statusCallbackMethod === 'GET' ? 'GET' : 'POST', params, signature }))
      .catch((error: unknown) => call.errors.push(`child status callback failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** <Dial>: ring the nouns; the first device to answer wins and the others are cancelled. */
  private async dial(call: SimCall, verb: TwimlElement, resolve: (relative: string) => string): Promise<Record<string, string>> {
    const nouns = verb.children.length > 0 ? verb.children : [{ name: 'Number', attrs: {}, children: [], text: verb.text.trim() }];
    const queueNoun = nouns.find((noun) => noun.name === 'Queue');
    if (queueNoun !== undefined) return this.dialQueue(call, verb, queueNoun);
    const conferenceNoun = nouns.find((noun) => noun.name === 'Conference');
    if (conferenceNoun !== undefined) return this.dialConference(call, verb, conferenceNoun, resolve);
    const timeout = Number(verb.attrs.timeout ?? '30');
    const window = timeout + DIAL_BUFFER_SECONDS;
    const start = this.clock.now;
    const legs = nouns.map((noun) => ({ noun, device: this.device(noun.text), sid: this.childSid(), sequence: 0, state: 'ringing' as 'ringing' | 'answered' | 'busy' | 'failed' | 'no-answer' | 'canceled' | 'completed', behaviour: 'no-answer' as DeviceBehaviour }));
    const members = [...new Set(legs.map((leg) => leg.device.member).filter((member): member is string => member !== undefined))];
    const offer: Offer = { at: start, nouns: legs.map((leg) => leg.noun.text), members, timeout, status: 'no-answer' };
    call.offers.push(offer);
    this.log(call, { type: 'offer', nouns: offer.nouns, members, timeout });

    type Plan = { at: number; leg: (typeof legs)[number]; kind: 'answer' | 'busy' | 'failed' | 'reject' };
    const plans: Plan[] = [];
    for (const leg of legs) {
      leg.behaviour = this.behaviourFor(call, leg.device);
      leg.device.rings += 1;
      this.childCallback(call, leg.noun, resolve, leg, 'initiated', 'initiated');
      this.childCallback(call, leg.noun, resolve, leg, 'ringing', 'ringing');
      const behaviour = leg.behaviour;
      if (leg.device.connectedTo !== undefined) plans.push({ at: start + 1, leg, kind: 'busy' });
      else if (behaviour === 'busy') plans.push({ at: start + 1, leg, kind: 'busy' });
      else if (behaviour === 'reject') plans.push({ at: start + 1, leg, kind: 'reject' });
      else if (behaviour === 'failed') plans.push({ at: start, leg, kind: 'failed' });
      else if (behaviour === 'answer') plans.push({ at: start + DEFAULT_ANSWER_AFTER, leg, kind: 'answer' });
      else if (typeof behaviour === 'object' && behaviour.answerAfter < window) plans.push({ at: start + behaviour.answerAfter, leg, kind: 'answer' });
    }
    plans.sort((a, b) => a.at - b.at);

    const endLeg = (leg: (typeof legs)[number], state: 'busy' | 'failed' | 'no-answer' | 'canceled', outcome: 'busy' | 'rejected' | 'failed' | 'no-answer' | 'canceled'): void => {
      if (leg.state !== 'ringing') return;
      leg.state = state;
      this.log(call, { type: 'device', noun: leg.noun.text, ...(leg.device.member === undefined ? {} : { member: leg.device.member }), outcome });
      this.childCallback(call, leg.noun, resolve, leg, 'completed', state);
    };

    let answered: (typeof legs)[number] | undefined;
    try {
      for (const plan of plans) {
        if (plan.at > start + window) break;
        await this.wait(call, plan.at - this.clock.now);
        if (plan.kind === 'answer') {
          // A device already on another call cannot take this one; it goes on ringing.
          if (plan.leg.device.connectedTo !== undefined || plan.leg.state !== 'ringing') continue;
          answered = plan.leg;
          break;
        }
        endLeg(plan.leg, plan.kind === 'failed' ? 'failed' : 'busy', plan.kind === 'reject' ? 'rejected' : plan.kind === 'failed' ? 'failed' : 'busy');
        if (legs.every((leg) => leg.state !== 'ringing')) break;
      }
      if (answered === undefined && legs.some((leg) => leg.state === 'ringing')) {
        await this.wait(call, Math.max(0, start + window - this.clock.now));
        for (const leg of legs) endLeg(leg, 'no-answer', 'no-answer');
      }
    } catch (error) {
      for (const leg of legs) endLeg(leg, 'canceled', 'canceled');
      if (error instanceof Interrupted && error.interrupt.kind === 'caller-hangup') {
        call.callerGone = true;
        offer.status = 'canceled';
        this.log(call, { type: 'dial-end', status: 'canceled' });
        return { DialCallStatus: 'canceled', DialCallSid: legs[0]?.sid ?? '', CallStatus: 'completed' };
      }
      if (error instanceof Interrupted && (error.interrupt.kind === 'redirect' || error.interrupt.kind === 'dequeue')) {
        // The REST API moved the call while it rang: the <Dial> is over, canceled (execute requests its action).
        offer.status = 'canceled';
        this.log(call, { type: 'dial-end', status: 'canceled' });
        throw new DialMoved(error.interrupt, { DialCallStatus: 'canceled', DialCallSid: legs[0]?.sid ?? '', CallStatus: 'in-progress' });
      }
      throw error;
    }

    if (answered === undefined) {
      const states = legs.map((leg) => leg.state);
      const status = states.length > 0 && states.every((state) => state === 'busy') ? 'busy' : states.length > 0 && states.every((state) => state === 'failed') ? 'failed' : 'no-answer';
      offer.status = status;
      this.log(call, { type: 'dial-end', status });
      return { DialCallStatus: status, DialCallSid: legs[0]?.sid ?? '' };
    }

    // Connected: the other devices stop ringing.
    const winner = answered;
    this.log(call, { type: 'device', noun: winner.noun.text, ...(winner.device.member === undefined ? {} : { member: winner.device.member }), outcome: 'answered' });
    for (const leg of legs) if (leg !== winner) endLeg(leg, 'canceled', 'canceled');
    winner.state = 'answered';
    const who = winner.device.member ?? winner.device.address;
    winner.device.connectedTo = call.sid;
    call.answeredBy ??= who;
    call.answeredAt ??= this.clock.now;
    offer.status = 'completed';
    offer.answeredBy = who;
    this.childCallback(call, winner.noun, resolve, winner, 'answered', 'in-progress');
    const talk = typeof winner.behaviour === 'object' ? (winner.behaviour.hangUpAfter ?? DEFAULT_TALK_SECONDS) : DEFAULT_TALK_SECONDS;
    const connectedAt = this.clock.now;
    let callerHungUp = false;
    try {
      await this.wait(call, talk);
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      if (error.interrupt.kind !== 'caller-hangup') {
        winner.device.connectedTo = undefined;
        throw error;
      }
      callerHungUp = true;
      call.callerGone = true;
    }
    const talked = Math.round(this.clock.now - connectedAt);
    winner.device.connectedTo = undefined;
    call.talkSeconds = (call.talkSeconds ?? 0) + talked;
    this.log(call, { type: 'device', noun: winner.noun.text, ...(winner.device.member === undefined ? {} : { member: winner.device.member }), outcome: 'hung-up' });
    this.log(call, { type: 'dial-end', status: 'completed', answeredBy: who, talkSeconds: talked });
    winner.state = 'completed';
    this.childCallback(call, winner.noun, resolve, winner, 'completed', 'completed', { CallDuration: String(talked) });
    return { DialCallStatus: 'completed', DialCallSid: winner.sid, DialCallDuration: String(talked), DialBridged: 'true', ...(callerHungUp ? { CallStatus: 'completed' } : {}) };
  }

  // ------------------------------------------------------------------------------------------
  // <Record>

  private async record(call: SimCall, verb: TwimlElement, resolve: (relative: string) => string): Promise<Record<string, string> | undefined> {
    const speak = call.script.message ?? 10;
    const maxLength = Number(verb.attrs.maxLength ?? '3600');
    const silence = Number(verb.attrs.timeout ?? '5');
    const started = this.clock.now;
    let hungUp = false;
    try {
      await this.wait(call, Math.min(speak, maxLength));
      if (speak === 0) {
        // Hanging up at the beep.
        hungUp = true;
        call.callerGone = true;
      } else if (speak < maxLength) {
        await this.wait(call, silence);
      }
    } catch (error) {
      if (!(error instanceof Interrupted) || error.interrupt.kind !== 'caller-hangup') throw error;
      hungUp = true;
      call.callerGone = true;
    }
    const seconds = Math.round(Math.min(this.clock.now - started, speak, maxLength));
    this.log(call, { type: 'record', seconds });
    const recordingSid = `RE${hex(16)}`;
    call.recordings.push({ recordingSid, seconds });
    const recording = {
      RecordingSid: recordingSid,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${this.accountSid}/Recordings/${recordingSid}`,
      RecordingDuration: String(seconds),
    };
    const callback = verb.attrs.recordingStatusCallback;
    if (callback !== undefined) {
      await this.post(call, resolve(callback), verb.attrs.recordingStatusCallbackMethod === 'GET' ? 'GET' : 'POST', {
        ...recording,
        RecordingStatus: 'completed',
        RecordingChannels: '1',
        RecordingSource: 'RecordVerb',
        RecordingStartTime: this.timestamp(),
      }).then((response) => {
        if (response.status !== 200) call.errors.push(`recording status callback answered HTTP ${response.status}`);
      });
    }
    if (seconds === 0 && this.options.emptyRecordingRequestsAction === false) return undefined;
    return { ...recording, Digits: hungUp ? 'hangup' : '', ...(hungUp ? { CallStatus: 'completed' } : {}) };
  }

  // ------------------------------------------------------------------------------------------
  // Waiting lines: <Enqueue>, <Dial><Queue>, and the REST dequeue

  queueByName(name: string): SimQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = { name, sid: `QU${createHash('sha256').update(name).digest('hex').slice(0, 32)}`, members: [], maxSize: this.options.queueMaxSize ?? 1000, waited: [] };
      this.queues.set(name, queue);
    }
    return queue;
  }

  queueBySid(sid: string): SimQueue | undefined {
    return [...this.queues.values()].find((queue) => queue.sid === sid);
  }

  private leaveQueue(call: SimCall): void {
    const queue = call.inQueue;
    if (queue === undefined) return;
    const entry = queue.members.find((member) => member.call === call);
    queue.members = queue.members.filter((member) => member.call !== call);
    if (entry !== undefined) queue.waited.push(this.clock.now - entry.joinedAt);
    call.inQueue = undefined;
  }

  private queueParams(queue: SimQueue, entry: QueueEntry): Record<string, string> {
    const average = queue.waited.length === 0 ? 0 : queue.waited.reduce((sum, value) => sum + value, 0) / queue.waited.length;
    return {
      QueueSid: queue.sid,
      QueuePosition: String(queue.members.indexOf(entry) + 1),
      QueueTime: String(Math.round(this.clock.now - entry.joinedAt)),
      AvgQueueTime: String(Math.round(average)),
      CurrentQueueSize: String(queue.members.length),
      MaxQueueSize: String(queue.maxSize),
    };
  }

  private async enqueue(
    call: SimCall,
    verb: TwimlElement,
    resolve: (relative: string) => string,
  ): Promise<{ params: Record<string, string>; next?: { verbs: TwimlElement[]; url: string } }> {
    const queue = this.queueByName(verb.text.trim());
    const result = (value: string, entry?: QueueEntry): Record<string, string> => ({
      QueueResult: value,
      QueueSid: queue.sid,
      QueueTime: String(entry === undefined ? 0 : Math.round(this.clock.now - entry.joinedAt)),
    });
    if (queue.members.length >= queue.maxSize) {
      this.log(call, { type: 'queue-leave', queue: queue.name, result: 'queue-full', waitedSeconds: 0 });
      return { params: result('queue-full') };
    }
    let bridgedWith: SimCall | undefined;
    let bridgedFor = DEFAULT_TALK_SECONDS;
    const entry: QueueEntry = { call, joinedAt: this.clock.now };
    entry.bridge = (partner, talkSeconds) => {
      bridgedWith = partner;
      bridgedFor = talkSeconds;
      call.interrupt({ kind: 'bridged' });
    };
    queue.members.push(entry);
    call.inQueue = queue;
    this.log(call, { type: 'enqueue', queue: queue.name, position: queue.members.length });
    const fault = call.script.queueFault;
    if (fault !== undefined) {
      void this.clock.sleep(fault.after).then(() => {
        if (queue.members.includes(entry)) call.interrupt({ kind: 'queue-fault', result: fault.result });
      });
    }
    const finish = (value: string): Record<string, string> => {
      const params = result(value, entry);
      this.log(call, { type: 'queue-leave', queue: queue.name, result: value, waitedSeconds: Math.round(this.clock.now - entry.joinedAt) });
      this.leaveQueue(call);
      return params;
    };
    const waitUrl = verb.attrs.waitUrl === undefined ? undefined : resolve(verb.attrs.waitUrl);
    try {
      for (;;) {
        if (waitUrl === undefined) {
          // Twilio's default hold music plays until something happens.
          await this.wait(call, 3600);
          continue;
        }
        let holdUrl = waitUrl;
        let holdVerbs = await this.fetchTwiml(call, holdUrl, verb.attrs.waitUrlMethod === 'GET' ? 'GET' : 'POST', this.queueParams(queue, entry));
        for (let index = 0; index < holdVerbs.length; index += 1) {
          const hold = holdVerbs[index] as TwimlElement;
          call.check();
          if (hold.name === 'Leave') return { params: finish('leave') };
          if (hold.name === 'Hangup') {
            this.log(call, { type: 'hangup', by: 'twiml' });
            finish('hangup');
            throw new CallEnded('hangup');
          }
          if (hold.name === 'Redirect') {
            holdUrl = new URL(hold.text, holdUrl).toString();
            holdVerbs = await this.fetchTwiml(call, holdUrl, hold.attrs.method === 'GET' ? 'GET' : 'POST', this.queueParams(queue, entry));
            index = -1;
            continue;
          }
          if (hold.name === 'Gather') {
            await this.gather(call, hold);
            continue;
          }
          if (hold.name === 'Say' || hold.name === 'Play' || hold.name === 'Pause') {
            await this.playMedia(call, hold);
            continue;
          }
          throw new TwimlRuleError('verb not allowed in waitUrl', `<${hold.name}> cannot be used in a waitUrl document (Play, Say, Pause, Gather, Redirect, Leave, Hangup only)`);
        }
      }
    } catch (error) {
      if (!(error instanceof Interrupted)) throw error;
      const interrupt = error.interrupt;
      if (interrupt.kind === 'caller-hangup') {
        call.callerGone = true;
        return { params: { ...finish('hangup'), CallStatus: 'completed' } };
      }
      if (interrupt.kind === 'bridged' && bridgedWith !== undefined) {
        const params = finish('bridged');
        await this.talk(call, bridgedWith, bridgedFor);
        return { params };
      }
      if (interrupt.kind === 'queue-fault') return { params: finish(interrupt.result) };
      if (interrupt.kind === 'end' || interrupt.kind === 'bridged' || interrupt.kind === 'conference-started' || interrupt.kind === 'conference-ended') throw error;
      // A REST dequeue or redirect: the action is requested at once (its answer is not used: the call
      // runs the TwiML of the new URL), then the call moves on.
      const params = finish('redirected');
      if (verb.attrs.action !== undefined) await this.post(call, resolve(verb.attrs.action), verb.attrs.method === 'GET' ? 'GET' : 'POST', params);
      if (interrupt.kind === 'redirect' && interrupt.twiml !== undefined) return { params, next: { verbs: this.parseInlineTwiml(interrupt.twiml), url: 'inline:' } };
      const next = interrupt.kind === 'redirect' || interrupt.kind === 'dequeue' ? (interrupt.url ?? '') : '';
      return { params, next: { verbs: await this.fetchTwiml(call, next, interrupt.method === 'GET' ? 'GET' : 'POST', {}), url: next } };
    }
  }

  /** The member (else the call) on the other side of a bridge, for "answered by". */
  private partyOf(call: SimCall): string {
    const address = call.script.from.replace(/^client:/, '');
    return this.memberOf(address) ?? this.memberOf(call.script.from) ?? call.script.id;
  }

  /** Two calls bridged through a queue talk for `seconds`, unless one hangs up first. */
  private async talk(call: SimCall, partner: SimCall, seconds: number): Promise<number> {
    call.answeredBy ??= this.partyOf(partner);
    call.answeredAt ??= this.clock.now;
    const from = this.clock.now;
    try {
      await this.wait(call, seconds);
    } catch (error) {
      if (!(error instanceof Interrupted) || error.interrupt.kind !== 'caller-hangup') throw error;
      call.callerGone = true;
    }
    const talked = Math.round(this.clock.now - from);
    call.talkSeconds = (call.talkSeconds ?? 0) + talked;
    return talked;
  }

  /**
   * <Dial><Queue>: connect to the caller at the front of the queue, waiting up to `timeout` for one. A
   * queue nobody has entered yet does not exist: "If the queue does not exist, Dial will post an error
   * status to its action URL" (https://www.twilio.com/docs/voice/twiml/queue).
   */
  private async dialQueue(call: SimCall, verb: TwimlElement, noun: TwimlElement): Promise<Record<string, string>> {
    if (!this.queues.has(noun.text.trim())) {
      this.log(call, { type: 'dial-end', status: 'failed' });
      return { DialCallStatus: 'failed' };
    }
    const queue = this.queueByName(noun.text.trim());
    const timeout = Number(verb.attrs.timeout ?? '30');
    const started = this.clock.now;
    let front = queue.members[0];
    while (front === undefined && this.clock.now - started < timeout) {
      await this.wait(call, 1);
      front = queue.members[0];
    }
    if (front === undefined) return { DialCallStatus: 'no-answer', QueueSid: queue.sid };
    const seconds = call.script.talkSeconds ?? DEFAULT_TALK_SECONDS;
    front.bridge?.(call, seconds);
    this.log(call, { type: 'dial-end', status: 'completed', answeredBy: this.partyOf(front.call), talkSeconds: seconds });
    const talked = await this.talk(call, front.call, seconds);
    return { DialCallStatus: 'completed', DialCallSid: front.call.sid, DialCallDuration: String(talked), DialBridged: 'true', QueueSid: queue.sid, ...(call.callerGone ? { CallStatus: 'completed' } : {}) };
  }

  // ------------------------------------------------------------------------------------------
  // <Dial><Conference>

  /**
   * <Dial><Conference>: the call enters the named room (after its `conferenceDelay`) and waits,
   * hearing the waitUrl, until the conference starts; then it talks `talkSeconds` and hangs up, unless
   * the conference ends first (another participant with `endConferenceOnExit` left), the caller hangs
   * up, or the REST API moves the call. The <Dial> action gets `DialCallStatus=answered` (Twilio's
   * value for a conference) and `DialCallDuration`, the seconds in the room; `timeLimit` bounds the stay.
   */
  private async dialConference(call: SimCall, verb: TwimlElement, noun: TwimlElement, resolve: (relative: string) => string): Promise<Record<string, string>> {
    const delay = call.script.conferenceDelay ?? 0;
    if (delay > 0) await this.wait(call, delay);
    const room = this.conferences.enter(noun.text.trim());
    const participant: Participant = {
      party: this.partyOf(call),
      callSid: call.sid,
      joinedAt: this.clock.now,
      startOnEnter: noun.attrs.startConferenceOnEnter !== 'false',
      endOnExit: noun.attrs.endConferenceOnExit === 'true',
      notify: (event) => call.interrupt({ kind: event === 'started' ? 'conference-started' : 'conference-ended' }),
    };
    call.inConference = room.sid;
    const alone = room.participants.length === 0;
    this.log(call, { type: 'conference', name: room.name, event: 'join', with: room.participants.map((someone) => someone.party) });
    const limit = Number(verb.attrs.timeLimit ?? String(DEFAULT_DIAL_TIME_LIMIT));
    void this.clock.sleep(limit).then(() => {
      if (room.participants.includes(participant)) call.interrupt({ kind: 'conference-ended' });
    });
    if (room.join(participant, this.clock.now)) this.conferenceStarted(room);
    else if (room.started) {
      // A late arrival in a conference under way talks at once.
      const first = room.others(participant)[0];
      call.answeredBy ??= first?.party;
      call.answeredAt ??= this.clock.now;
      this.log(call, { type: 'conference', name: room.name, event: 'start', with: room.others(participant).map((someone) => someone.party) });
    }
    const leave = (): Record<string, string> => {
      call.leftConference();
      const seconds = Math.round(this.clock.now - participant.joinedAt);
      this.log(call, { type: 'conference', name: room.name, event: 'leave', seconds });
      if (room.started && room.startedAt !== undefined) call.talkSeconds = (call.talkSeconds ?? 0) + Math.round(this.clock.now - Math.max(room.startedAt, participant.joinedAt));
      if (room.leave(participant)) this.log(call, { type: 'conference', name: room.name, event: 'end' });
      return { DialCallStatus: 'answered', DialCallDuration: String(seconds) };
    };
    try {
      if (!room.started) {
        try {
          await this.conferenceWait(call, noun, resolve, alone);
        } catch (error) {
          if (!(error instanceof Interrupted) || error.interrupt.kind !== 'conference-started') throw error;
        }
      }
      await this.wait(call, call.script.talkSeconds ?? DEFAULT_TALK_SECONDS);
      // This party's talk is over: they hang up.
      call.callerGone = true;
      return { ...leave(), CallStatus: 'completed' };
    } catch (error) {
      if (!(error instanceof Interrupted)) {
        leave();
        throw error;
      }
      if (error.interrupt.kind === 'caller-hangup') {
        call.callerGone = true;
        return { ...leave(), CallStatus: 'completed' };
      }
      const params = leave();
      if (error.interrupt.kind === 'conference-ended') return params;
      throw error;
    }
  }

  /** The room started: each participant is connected to the first other one (for "answered by"). */
  private conferenceStarted(room: ConferenceRoom): void {
    for (const participant of room.participants) {
      const call = this.calls.find((candidate) => candidate.sid === participant.callSid);
      const other = room.others(participant)[0];
      if (call === undefined || other === undefined) continue;
      call.answeredBy ??= other.party;
      call.answeredAt ??= this.clock.now;
      this.log(call, { type: 'conference', name: room.name, event: 'start', with: room.others(participant).map((someone) => someone.party) });
    }
  }

  /**
   * Waiting alone in a conference: the waitUrl's TwiML, requested again whenever it ends (only Say,
   * Play, Pause and Redirect are allowed there: Twilio error 13238); `waitUrl=""` is silence; no
   * waitUrl is Twilio's own hold music. Ends only by an interrupt (the conference starts, ...).
   */
  private async conferenceWait(call: SimCall, noun: TwimlElement, resolve: (relative: string) => string, first: boolean): Promise<never> {
    const waitUrl = noun.attrs.waitUrl;
    if (waitUrl === undefined || waitUrl === '') {
      if (waitUrl === undefined && first) this.log(call, { type: 'play', url: TWILIO_DEFAULT_WAIT_MUSIC });
      for (;;) await this.wait(call, 3600);
    }
    const method = noun.attrs.waitMethod === 'GET' ? 'GET' : 'POST';
    for (;;) {
      const started = this.clock.now;
      let url = resolve(waitUrl);
      let verbs = await this.fetchTwiml(call, url, method, {});
      for (let index = 0; index < verbs.length; index += 1) {
        const hold = verbs[index] as TwimlElement;
        call.check();
        if (hold.name === 'Say' || hold.name === 'Play' || hold.name === 'Pause') {
          await this.playMedia(call, hold);
        } else if (hold.name === 'Redirect') {
          url = new URL(hold.text, url).toString();
          verbs = await this.fetchTwiml(call, url, hold.attrs.method === 'GET' ? 'GET' : 'POST', {});
          index = -1;
        } else {
          throw new TwimlRuleError('verb not allowed in conference waitUrl', `<${hold.name}> cannot be used in a conference waitUrl document (Say, Play, Pause and Redirect only; Twilio error 13238)`);
        }
      }
      // Twilio requests the waitUrl again when its TwiML ends; an empty document is not a busy loop.
      if (this.clock.now === started) await this.wait(call, 1);
    }
  }

  // ------------------------------------------------------------------------------------------
  // What the fake REST API does (rest-api.ts validates the requests first)

  /** Each call's recordings so far, for the Recordings list (their times are the 'record' events'). */
  recordingsByCall(): { callSid: string; callId: string; recordings: readonly { recordingSid: string; seconds: number }[] }[] {
    return this.calls.map((call) => ({ callSid: call.sid, callId: call.script.id, recordings: call.recordings }));
  }

  liveCall(sid: string): { status: string; queued: boolean } | undefined {
    const call = this.calls.find((candidate) => candidate.sid === sid);
    if (call === undefined) return undefined;
    return { status: call.ended === undefined ? call.status : 'completed', queued: call.inQueue !== undefined };
  }

  redirectCall(sid: string, target: { url?: string; twiml?: string; method?: string }): void {
    const call = this.calls.find((candidate) => candidate.sid === sid);
    if (call === undefined) return;
    this.log(call, { type: 'rest', what: target.twiml !== undefined ? 'call updated with TwiML' : `call redirected to ${target.url ?? ''}` });
    const delay = call.script.redirectDelay ?? 0;
    if (delay > 0) void this.clock.sleep(delay).then(() => call.interrupt({ kind: 'redirect', ...target }));
    else call.interrupt({ kind: 'redirect', ...target });
  }

  endCall(sid: string): void {
    const call = this.calls.find((candidate) => candidate.sid === sid);
    if (call === undefined) return;
    this.log(call, { type: 'rest', what: 'call ended' });
    this.log(call, { type: 'hangup', by: 'rest' });
    call.interrupt({ kind: 'end' });
  }

  /** Dequeue a caller (by CallSid, or the front) to run the TwiML at `url`; the member's position. */
  dequeue(queueSid: string, callSidOrFront: string, url: string, method?: string): { callSid: string; position: number; waitTime: number } | undefined {
    const queue = this.queueBySid(queueSid);
    if (queue === undefined) return undefined;
    const entry = callSidOrFront === 'Front' ? queue.members[0] : queue.members.find((member) => member.call.sid === callSidOrFront);
    if (entry === undefined) return undefined;
    const position = queue.members.indexOf(entry) + 1;
    this.log(entry.call, { type: 'rest', what: `dequeued from ${queue.name} to ${url}` });
    entry.call.interrupt({ kind: 'dequeue', url, ...(method === undefined ? {} : { method }) });
    return { callSid: entry.call.sid, position, waitTime: Math.round(this.clock.now - entry.joinedAt) };
  }
}
