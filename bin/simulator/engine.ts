import { AccountNumbers } from './account-numbers.js';
import { SimCall } from './call.js';
import { SimulatedClock } from './clock.js';
import { CreatedCalls, type CallRequest, type CreatedCall } from './created-calls.js';
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

export type { CallRequest, CreatedCall } from './created-calls.js';
export type {
  Behaviours,
  CallerScript,
  CallResult,
  CreatedCallFacts,
  CreatedCallStatus,
  DeviceBehaviour,
  InterruptedDialAction,
  OthersCanceled,
  Offer,
  QueueFault,
  SimulationOptions,
  TranscriptEvent,
  Transport,
  WaitKeys,
} from './types.js';

/** A call from a softphone (`client:`) or a SIP phone: placed by a member's device, not dialled to a number. */
function placedByDevice(from: string): boolean {
  return /^(client|sips?):/.test(from);
}

/**
 * The call simulator's engine: it plays Twilio's part for calls into the project (reference/twilio.md).
 * It posts signed webhooks with the parameters Twilio sends (webhooks.ts), follows the TwiML it gets
 * back on one simulated clock, one module per verb family (verbs/), lets the devices of members
 * answer or not as told (verbs/dial.ts), and serves the REST requests the project makes (rest-api.ts
 * calls into `redirectCall`, `endCall`, `dequeue` and `createCall`; created-calls.ts plays the calls
 * the project creates). This file only coordinates: it runs each call's documents and acts on the
 * interrupts (call.ts) no verb handled.
 */
export class Simulation {
  readonly clock = new SimulatedClock();
  readonly events: TranscriptEvent[] = [];
  readonly accountSid: string;
  private readonly calls: SimCall[] = [];
  private readonly webhooks: Webhooks;
  private readonly queues: Queues;
  private readonly context: VerbContext;
  private readonly created: CreatedCalls;
  private readonly accountNumbers: AccountNumbers;

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
      isAccountNumber: (number) => this.isAccountNumber(number),
    };
    this.accountNumbers = new AccountNumbers(options.accountNumbers);
    this.created = new CreatedCalls(
      {
        context: this.context,
        register: (call) => this.calls.push(call),
        runDocuments: (call, first) => this.runDocuments(call, first),
      },
      options.callsPerSecond ?? 1,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Running

  /**
   * Plays every caller's call to its end on the simulated clock: the results in script order, then
   * those of the calls the project created through the REST API meanwhile (`rest-1`, `rest-2`, ...).
   */
  async run(callers: readonly CallerScript[]): Promise<CallResult[]> {
    const calls = callers.map((script) => new SimCall(script, this.clock));
    const sids = [...this.calls, ...calls].map((call) => call.sid);
    if (new Set(sids).size !== sids.length) throw new Error('two simulated calls have the same CallSid');
    const before = new Set(this.calls);
    this.calls.push(...calls);
    // A number a caller dials is one of the account's: Twilio sent that call to the project.
    for (const script of callers) if (!placedByDevice(script.from)) this.accountNumbers.dialled(script.to);
    const finished = calls.map(async (call) => {
      await this.clock.sleep(call.script.at ?? 0);
      await this.playCall(call);
    });
    await this.clock.run();
    await Promise.all(finished);
    await this.created.settled();
    const createdNow = this.calls.filter((call) => call.direction === 'outbound-api' && !before.has(call));
    return [...calls, ...createdNow].map((call) => this.resultOf(call));
  }

  /** Numbers the account owns or has verified, besides SimulationOptions.accountNumbers (the fake REST API's seed). */
  addAccountNumbers(numbers: readonly string[]): void {
    this.accountNumbers.declare(numbers);
  }

  /** One of the account's numbers or verified caller IDs (a created call's `From`, a <Dial callerId>): account-numbers.ts. */
  isAccountNumber(number: string): boolean {
    return this.accountNumbers.has(number);
  }

  private resultOf(call: SimCall): CallResult {
    const created = this.created.factsOf(call);
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
      ...(call.warnings.length === 0 ? {} : { warnings: call.warnings }),
      requests: call.requests,
      ...(created === undefined ? {} : { created }),
    };
  }

  private log(call: SimCall, event: EventBody): void {
    this.events.push({ at: this.clock.now, call: call.script.id, ...event });
  }

  memberOf(address: string): string | undefined {
    return this.options.directory?.get(address);
  }

  /**
   * The member (else the call) on the other side of a bridge, for "answered by": for a created call,
   * whoever answered it at its `To`.
   */
  private partyOf(call: SimCall): string {
    if (call.direction === 'outbound-api') return call.answeredBy ?? call.script.id;
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
    const url = new URL(
      call.script.path ?? (placedByDevice(call.script.from) ? '/voice/outbound' : '/voice/incoming'),
      this.options.baseUrl,
    ).toString();
    await this.runDocuments(call, async () => ({ verbs: await this.webhooks.fetchTwiml(call, url, 'POST', {}), url }));
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
   * Runs the call's documents from `first` to the call's end and records how it ended (a TwiML rule
   * broken or a webhook failed ends it in an error, as Twilio's application error would).
   */
  private async runDocuments(call: SimCall, first: () => Promise<Next>): Promise<void> {
    try {
      call.ended = await this.follow(call, first);
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
        ? call.direction === 'outbound-api'
          ? 'callee'
          : 'caller'
        : call.ended === 'document-ended'
          ? 'document-end'
          : call.ended === 'rejected'
            ? 'reject'
            : 'twiml';
    if (call.ended !== 'error' && !this.events.some((event) => event.call === call.script.id && event.type === 'hangup'))
      this.log(call, { type: 'hangup', by });
  }

  /**
   * Runs the call's documents from the first one, acting on the interrupts no verb handled, until the
   * call ends: how it ended. Errors (a TwiML rule broken, a webhook failed) are thrown.
   */
  private async follow(call: SimCall, first: () => Promise<Next>): Promise<NonNullable<SimCall['ended']>> {
    let next: Next = await first();
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

  /** The wall-clock date of a simulated second (default: now), for the REST API's dates. */
  date(seconds?: number): Date {
    return this.webhooks.date(seconds);
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

  /**
   * A call as the Calls resource shows it: its status (a created call's final one once it ended),
   * whether it waits in a queue, and what a Call resource says of it.
   */
  liveCall(
    sid: string,
  ): { status: string; ended: boolean; queued: boolean; from: string; to: string; direction: 'inbound' | 'outbound-api' } | undefined {
    const call = this.callBySid(sid);
    if (call === undefined) return undefined;
    const ended = call.ended !== undefined;
    const status = ended ? (this.created.factsOf(call)?.status ?? 'completed') : call.status;
    return { status, ended, queued: call.inQueue !== undefined, from: call.script.from, to: call.script.to, direction: call.direction };
  }

  /**
   * A call the project creates through the REST API (validated by rest-api/call-create.ts): queued,
   * then played as created-calls.ts says, under the id `rest-<n>`.
   */
  createCall(request: CallRequest): CreatedCall {
    const ids = new Set(this.calls.map((call) => call.script.id));
    let number = this.calls.filter((call) => call.direction === 'outbound-api').length + 1;
    while (ids.has(`rest-${number}`)) number += 1;
    return this.created.create(request, `rest-${number}`);
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
