import { SimCall } from './call.js';
import { SimulatedClock } from './clock.js';
import { DEFAULT_ACCOUNT_SID } from './defaults.js';
import { TwimlRuleError, type TwimlElement } from './twiml.js';
import type { CallerScript, CallResult, EventBody, SimulationOptions, TranscriptEvent } from './types.js';
import { ConferenceRooms } from './verbs/conference.js';
import { Devices, playDial } from './verbs/dial.js';
import { playEnqueue } from './verbs/enqueue.js';
import { playGather } from './verbs/gather.js';
import { playMedia } from './verbs/media.js';
import { Queues, type SimQueue } from './verbs/queue.js';
import { playRecord } from './verbs/record.js';
import { playHangup, playRedirect, playReject } from './verbs/redirect.js';
import type { Outcome, Resolve, VerbContext } from './verbs/verb.js';
import { Webhooks, type Next } from './webhooks.js';

export type {
  Behaviours,
  CallerScript,
  CallResult,
  DeviceBehaviour,
  InterruptedDialAction,
  OthersCanceled,
  Offer,
  QueueFault,
  SimulationOptions,
  TranscriptEvent,
  Transport,
} from './types.js';

/**
 * The call simulator's engine: it plays Twilio's part for calls into the project (reference/twilio.md).
 * It posts signed webhooks with the parameters Twilio sends (webhooks.ts), follows the TwiML it gets
 * back on one simulated clock, one module per verb family (verbs/), lets the devices of members
 * answer or not as told (verbs/dial.ts), and serves the REST requests the project makes (rest-api.ts
 * calls into `redirectCall`, `endCall` and `dequeue`). This file only coordinates: it runs each
 * call's documents and acts on the interrupts (call.ts) no verb handled.
 */
export class Simulation {
  readonly clock = new SimulatedClock();
  readonly events: TranscriptEvent[] = [];
  readonly accountSid: string;
  private readonly calls: SimCall[] = [];
  private readonly webhooks: Webhooks;
  private readonly queues: Queues;
  private readonly context: VerbContext;

  constructor(private readonly options: SimulationOptions) {
    this.accountSid = options.accountSid ?? DEFAULT_ACCOUNT_SID;
    this.webhooks = new Webhooks(options, this.accountSid, this.clock);
    this.queues = new Queues(this.clock, options.queueMaxSize ?? 1000);
    this.context = {
      clock: this.clock,
      options,
      webhooks: this.webhooks,
      devices: new Devices(options.devices, (address) => this.memberOf(address)),
      queues: this.queues,
      conferences: new ConferenceRooms(),
      log: (call, event) => this.log(call, event),
      partyOf: (call) => this.partyOf(call),
      callBySid: (sid) => this.callBySid(sid),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Running

  /** Plays every caller's call to its end on the simulated clock; the results in script order. */
  async run(callers: readonly CallerScript[]): Promise<CallResult[]> {
    const calls = callers.map((script) => new SimCall(script, this.clock));
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
      ...(call.answeredBy === undefined
        ? {}
        : { answeredBy: call.answeredBy, answeredAt: call.answeredAt ?? 0, talkSeconds: call.talkSeconds ?? 0 }),
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

  /** The member (else the call) on the other side of a bridge, for "answered by". */
  private partyOf(call: SimCall): string {
    const address = call.script.from.replace(/^client:/, '');
    return this.memberOf(address) ?? this.memberOf(call.script.from) ?? call.script.id;
  }

  private callBySid(sid: string): SimCall | undefined {
    return this.calls.find((candidate) => candidate.sid === sid);
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
    const url = new URL(call.script.path ?? (placedByDevice ? '/voice/outbound' : '/voice/incoming'), this.options.baseUrl).toString();
    try {
      call.ended = await this.follow(call, url);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      call.errors.push(message);
      call.ended = 'error';
      this.log(call, { type: 'error', message, ...(error instanceof TwimlRuleError ? { rule: error.rule } : {}) });
      this.log(call, { type: 'say', text: 'We are sorry, an application error has occurred. Goodbye.' });
    }
    call.stopListening();
    call.status = 'completed';
    call.endedAt = this.clock.now;
    this.queues.leave(call);
    const by =
      call.ended === 'caller-hung-up'
        ? 'caller'
        : call.ended === 'document-ended'
          ? 'document-end'
          : call.ended === 'rejected'
            ? 'reject'
            : 'twiml';
    if (call.ended !== 'error' && !this.events.some((event) => event.call === call.script.id && event.type === 'hangup'))
      this.log(call, { type: 'hangup', by });
    const statusPath = this.options.statusCallbackPath === undefined ? '/voice/status' : this.options.statusCallbackPath;
    if (statusPath !== null) {
      await this.webhooks
        .post(call, new URL(statusPath, this.options.baseUrl).toString(), 'POST', {
          CallStatus: 'completed',
          CallDuration: String(Math.round(call.endedAt - call.startedAt)),
          CallbackSource: 'call-progress-events',
          SequenceNumber: '0',
          Timestamp: this.timestamp(),
        })
        .catch((error: unknown) => call.errors.push(`status callback failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /**
   * Runs the call's documents from the one at `url`, acting on the interrupts no verb handled, until
   * the call ends: how it ended. Errors (a TwiML rule broken, a webhook failed) are thrown.
   */
  private async follow(call: SimCall, url: string): Promise<NonNullable<SimCall['ended']>> {
    let next: Next = { verbs: await this.webhooks.fetchTwiml(call, url, 'POST', {}), url };
    call.status = 'in-progress';
    for (;;) {
      const outcome = await this.execute(call, next);
      switch (outcome.kind) {
        case 'next':
          next = outcome.next;
          break;
        case 'ended':
          return outcome.how;
        case 'caller-hangup':
          return 'caller-hung-up';
        case 'end':
        case 'bridged':
        case 'queue-fault':
          return 'hangup';
        case 'conference-started':
        case 'conference-ended':
          throw new Error(`the simulator lost track of a conference (${outcome.kind} outside it)`);
        case 'redirect':
        case 'dequeue':
          next = await this.webhooks.movedTo(call, outcome, next.url);
          break;
      }
    }
  }

  /** Runs verbs until the document ends, moves to another document, or the call ends or is interrupted. */
  private async execute(call: SimCall, { verbs, url }: Next): Promise<NonNullable<Outcome>> {
    const resolve = (relative: string): string => new URL(relative, url === 'inline:' ? undefined : url).toString();
    for (const verb of verbs) {
      const interrupt = call.take();
      if (interrupt !== undefined) return interrupt;
      const outcome = await this.playVerb(call, verb, resolve, url);
      if (outcome !== undefined) return outcome;
    }
    return { kind: 'ended', how: 'document-ended' };
  }

  private async playVerb(call: SimCall, verb: TwimlElement, resolve: Resolve, url: string): Promise<Outcome> {
    const context = this.context;
    switch (verb.name) {
      case 'Say':
      case 'Play':
      case 'Pause':
        return playMedia(context, call, verb);
      case 'Gather':
        return playGather(context, call, verb, resolve, url);
      case 'Dial':
        return playDial(context, call, verb, resolve);
      case 'Record':
        return playRecord(context, call, verb, resolve);
      case 'Redirect':
        return playRedirect(context, call, verb, resolve);
      case 'Hangup':
        return playHangup(context, call);
      case 'Reject':
        return playReject(context, call);
      case 'Enqueue':
        return playEnqueue(context, call, verb, resolve);
      case 'Leave':
        // <Leave> outside a waiting line does nothing.
        return undefined;
      default:
        throw new TwimlRuleError('unknown verb', `<${verb.name}>`);
    }
  }

  /** The simulated moment as Twilio writes it in `Timestamp` (RFC 2822). */
  timestamp(): string {
    return this.webhooks.timestamp();
  }

  // ------------------------------------------------------------------------------------------
  // Waiting lines (verbs/queue.ts)

  queueByName(name: string): SimQueue {
    return this.queues.byName(name);
  }

  queueBySid(sid: string): SimQueue | undefined {
    return this.queues.bySid(sid);
  }

  // ------------------------------------------------------------------------------------------
  // What the fake REST API does (rest-api.ts validates the requests first)

  /** Each call's recordings so far, for the Recordings list (their times are the 'record' events'). */
  recordingsByCall(): { callSid: string; callId: string; recordings: readonly { recordingSid: string; seconds: number }[] }[] {
    return this.calls.map((call) => ({ callSid: call.sid, callId: call.script.id, recordings: call.recordings }));
  }

  liveCall(sid: string): { status: string; queued: boolean } | undefined {
    const call = this.callBySid(sid);
    if (call === undefined) return undefined;
    return { status: call.ended === undefined ? call.status : 'completed', queued: call.inQueue !== undefined };
  }

  redirectCall(sid: string, target: { url?: string; twiml?: string; method?: string }): void {
    const call = this.callBySid(sid);
    if (call === undefined) return;
    this.log(call, {
      type: 'rest',
      what: target.twiml !== undefined ? 'call updated with TwiML' : `call redirected to ${target.url ?? ''}`,
    });
    const delay = call.script.redirectDelay ?? 0;
    if (delay > 0) void this.clock.sleep(delay).then(() => call.interrupt({ kind: 'redirect', ...target }));
    else call.interrupt({ kind: 'redirect', ...target });
  }

  endCall(sid: string): void {
    const call = this.callBySid(sid);
    if (call === undefined) return;
    this.log(call, { type: 'rest', what: 'call ended' });
    this.log(call, { type: 'hangup', by: 'rest' });
    call.interrupt({ kind: 'end' });
  }

  /** Dequeue a caller (by CallSid, or the front) to run the TwiML at `url`; the member's position. */
  dequeue(
    queueSid: string,
    callSidOrFront: string,
    url: string,
    method?: string,
  ): { callSid: string; position: number; waitTime: number } | undefined {
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
