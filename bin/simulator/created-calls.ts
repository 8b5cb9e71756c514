import { SimCall } from './call.js';
import { keysOf, ringOutcome, talkSecondsOf, type RingOutcome } from './ringing.js';
import type { CallerScript, CreatedCallFacts, CreatedCallStatus } from './types.js';
import type { VerbContext } from './verbs/verb.js';
import { methodOf, parseInlineTwiml, type Next } from './webhooks.js';

/**
 * Calls the project creates through the REST API (`POST /Calls.json`, rest-api/call-create.ts
 * validates the request), played on the simulated clock as Twilio plays them
 * (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
 *
 * - They start no faster than the account's calls per second, by default 1: "Calls beyond your
 *   account's CPS limit will be queued and will execute at the CPS rate" (same page; also
 *   https://www.twilio.com/docs/api/errors/22005: "Calls are removed from that call queue and placed
 *   at a default rate of 1 per second").
 * - The device at `To` rings, behaving as the devices map says (ringing.ts), for `Timeout` seconds
 *   (default 60, at most 600) plus the 5-second buffer Twilio adds "for some call flows": the
 *   simulator always adds it, as for a <Dial>, so the project must not count on a shorter ring.
 * - Not answered: the call ends `no-answer`, `busy` (a busy or rejecting device) or `failed`, and the
 *   `Url` is never requested. Answered: the `Url` is requested (with `Method`) with the parameters of
 *   an `outbound-api` call, `CallStatus=in-progress`, and its TwiML runs like any call's. The device
 *   hangs up after its talk (`hangUpAfter`, default 60 s from its answer), which ends the call and
 *   any bridge; it presses its `keys` (default "1") at the first <Gather> it hears.
 * - `StatusCallback` gets the events asked for with `StatusCallbackEvent` (default `completed`
 *   only): `initiated`, `ringing`, `answered` (`CallStatus=in-progress`) and `completed` (with the
 *   final `CallStatus` and `CallDuration`, seconds from the answer; 0 unanswered).
 */

/** A create request, validated: what the simulation needs to play the call. */
export type CallRequest = {
  readonly to: string;
  readonly from: string;
  readonly url?: string | undefined;
  readonly twiml?: string | undefined;
  readonly method: 'GET' | 'POST';
  readonly statusCallback?: string | undefined;
  readonly statusCallbackMethod: 'GET' | 'POST';
  readonly statusCallbackEvents: readonly string[];
  readonly timeout: number;
};

/** The created call as the REST answer names it; `startsAt` is when it leaves Twilio's queue (CPS). */
export type CreatedCall = { readonly id: string; readonly sid: string; readonly requestedAt: number; readonly startsAt: number };

/** What the created calls need of the engine (engine.ts). */
export type CallRunner = {
  readonly context: VerbContext;
  /** Adds the call to the simulation's calls (REST updates, recordings, results). */
  register(call: SimCall): void;
  /** Runs the call's documents from `first` to the call's end, recording how it ended. */
  runDocuments(call: SimCall, first: () => Promise<Next>): Promise<void>;
};

/** Twilio's ring buffer, as for a <Dial> (https://www.twilio.com/docs/voice/twiml/dial#timeout). */
const RING_BUFFER_SECONDS = 5;

/** The device address of a `To`: a client's identity, a SIP URI or a phone number (as the devices map and the directory key them). */
export function deviceAddressOf(to: string): string {
  return to.startsWith('client:') ? to.slice('client:'.length) : to;
}

export class CreatedCalls {
  private lastStart = Number.NEGATIVE_INFINITY;
  private readonly facts = new Map<SimCall, CreatedCallFacts>();
  private readonly playing: Promise<void>[] = [];
  /** Each call's next status callback `SequenceNumber`. */
  private readonly sequence = new Map<SimCall, number>();

  constructor(
    private readonly runner: CallRunner,
    private readonly callsPerSecond: number,
  ) {}

  /** Queues a call to play: it starts at its turn (one per 1/callsPerSecond seconds). */
  create(request: CallRequest, id: string): CreatedCall {
    const clock = this.runner.context.clock;
    const requestedAt = clock.now;
    const startsAt = Math.max(requestedAt, this.lastStart + 1 / this.callsPerSecond);
    this.lastStart = startsAt;
    const script: CallerScript = { id, from: request.from, to: request.to };
    const call = new SimCall(script, clock, 'outbound-api');
    call.status = 'queued';
    const facts: CreatedCallFacts = { requestedAt, startsAt, status: 'completed' };
    this.facts.set(call, facts);
    this.runner.register(call);
    this.runner.context.log(call, { type: 'call-created', from: request.from, to: request.to, sid: call.sid, startsAt });
    this.playing.push(this.play(call, script, request, facts));
    return { id, sid: call.sid, requestedAt, startsAt };
  }

  factsOf(call: SimCall): CreatedCallFacts | undefined {
    return this.facts.get(call);
  }

  /** Resolves when every created call (also those created meanwhile) has ended. */
  async settled(): Promise<void> {
    for (let seen = 0; seen < this.playing.length; seen = this.playing.length) await Promise.all(this.playing);
  }

  private async play(call: SimCall, script: CallerScript, request: CallRequest, facts: CreatedCallFacts): Promise<void> {
    const { context } = this.runner;
    // Queued until its turn; the REST API may cancel it meanwhile.
    if ((await call.wait(facts.startsAt - context.clock.now)) !== undefined) {
      call.startedAt = context.clock.now;
      return this.unanswered(call, request, facts, 'canceled');
    }
    call.startedAt = context.clock.now;
    call.status = 'ringing';
    context.log(call, { type: 'call-start', from: request.from, to: request.to, sid: call.sid, direction: 'outbound-api' });
    await this.statusCallback(call, request, 'initiated', 'initiated');
    await this.statusCallback(call, request, 'ringing', 'ringing');
    const device = context.devices.device(deviceAddressOf(request.to));
    const behaviour = context.devices.behaviourFor(call, device);
    device.rings += 1;
    const window = Math.min(request.timeout, 600) + RING_BUFFER_SECONDS;
    const outcome: RingOutcome | undefined = ringOutcome(behaviour, device.connectedTo !== undefined, window);
    const interrupt = await call.wait(outcome?.after ?? window);
    const noun = request.to;
    const logDevice = (what: 'answered' | 'busy' | 'rejected' | 'failed' | 'no-answer' | 'canceled' | 'hung-up'): void =>
      context.log(call, { type: 'device', noun, ...(device.member === undefined ? {} : { member: device.member }), outcome: what });
    if (interrupt !== undefined) {
      logDevice('canceled');
      return this.unanswered(call, request, facts, 'canceled');
    }
    if (outcome === undefined || (outcome.kind === 'answer' && device.connectedTo !== undefined)) {
      // A device that picked up another call meanwhile rings on, unanswered, to the end of the window.
      const rest = call.startedAt + window - context.clock.now;
      if (rest > 0 && (await call.wait(rest)) !== undefined) {
        logDevice('canceled');
        return this.unanswered(call, request, facts, 'canceled');
      }
      logDevice('no-answer');
      return this.unanswered(call, request, facts, 'no-answer');
    }
    if (outcome.kind !== 'answer') {
      logDevice(outcome.kind === 'reject' ? 'rejected' : outcome.kind);
      return this.unanswered(call, request, facts, outcome.kind === 'failed' ? 'failed' : 'busy');
    }
    logDevice('answered');
    device.connectedTo = call.sid;
    call.answeredBy = device.member ?? device.address;
    call.answeredAt = context.clock.now;
    call.status = 'in-progress';
    const keys = keysOf(behaviour);
    if (keys !== '') script.digits = keys;
    await this.statusCallback(call, request, 'answered', 'in-progress');
    void context.clock.sleep(talkSecondsOf(behaviour)).then(() => {
      if (call.ended !== undefined) return;
      call.callerGone = true;
      call.interrupt({ kind: 'caller-hangup' });
    });
    await this.runner.runDocuments(call, async () => {
      if (request.url === undefined) return { verbs: parseInlineTwiml(request.twiml ?? ''), url: 'inline:' };
      return { verbs: await context.webhooks.fetchTwiml(call, request.url, request.method, {}), url: request.url };
    });
    if (device.connectedTo === call.sid) device.connectedTo = undefined;
    if (call.callerGone) logDevice('hung-up');
    facts.status = 'completed';
    await this.statusCallback(call, request, 'completed', 'completed', {
      CallDuration: String(Math.round(call.endedAt - (call.answeredAt ?? call.endedAt))),
    });
  }

  /** The call ends without being answered: its status, and `completed` to the status callback. */
  private async unanswered(
    call: SimCall,
    request: CallRequest,
    facts: CreatedCallFacts,
    status: Exclude<CreatedCallStatus, 'completed'>,
  ): Promise<void> {
    const { context } = this.runner;
    call.stopListening();
    call.ended = status;
    call.status = 'completed';
    call.endedAt = context.clock.now;
    facts.status = status;
    context.log(call, { type: 'call-unanswered', status });
    await this.statusCallback(call, request, 'completed', status, { CallDuration: '0' });
  }

  /** The call's own status callback, for the events the create request asked for. */
  private async statusCallback(
    call: SimCall,
    request: CallRequest,
    event: string,
    status: string,
    extra: Record<string, string> = {},
  ): Promise<void> {
    if (request.statusCallback === undefined || !request.statusCallbackEvents.includes(event)) return;
    const { webhooks } = this.runner.context;
    const sequence = this.sequence.get(call) ?? 0;
    this.sequence.set(call, sequence + 1);
    await webhooks
      .post(call, request.statusCallback, methodOf(request.statusCallbackMethod), {
        CallStatus: status,
        CallbackSource: 'call-progress-events',
        SequenceNumber: String(sequence),
        Timestamp: webhooks.timestamp(),
        ...extra,
      })
      .then((response) => {
        if (response.status >= 400) call.errors.push(`status callback ${event} answered HTTP ${response.status}`);
      })
      .catch((error: unknown) => call.errors.push(`status callback failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}
