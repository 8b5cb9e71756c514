import { randomBytes } from 'node:crypto';
import type { SimulatedClock } from './clock.js';
import type { CallerScript, CallResult, Offer, QueueFault } from './types.js';
import type { SimQueue } from './verbs/queue.js';

/**
 * One simulated call and what can interrupt it. An interruption (the caller hangs up, the REST API
 * redirects, ends or dequeues the call, a bridge, a queue fault, its conference's news) is a value:
 * `wait` returns it, and each verb either handles it or returns it for the engine to act on.
 */
export type Interrupt =
  | { kind: 'caller-hangup' }
  | { kind: 'redirect'; url?: string; twiml?: string; method?: string }
  | { kind: 'end' }
  | { kind: 'dequeue'; url: string; method?: string }
  | { kind: 'bridged' }
  | { kind: 'queue-fault'; result: QueueFault }
  | { kind: 'conference-started' }
  | { kind: 'conference-ended' };

/** A REST redirect or dequeue: the call goes on at other TwiML. */
export type Move = Extract<Interrupt, { kind: 'redirect' | 'dequeue' }>;

export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/**
 * `inbound`: a call into the project (its script is the caller's). `outbound-api`: a call the project
 * created through the REST API (rest-api/call-create.ts), whose far end is the device at its `To`.
 */
export type CallDirection = 'inbound' | 'outbound-api';

export class SimCall {
  readonly sid: string;
  readonly requests: { url: string; params: Record<string, string> }[] = [];
  readonly offers: Offer[] = [];
  readonly recordings: { recordingSid: string; seconds: number }[] = [];
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  /** `queued`: a created call waiting for its turn (CPS); `ringing` until the first document runs. */
  status: 'queued' | 'ringing' | 'in-progress' | 'completed' = 'ringing';
  answeredBy: string | undefined;
  answeredAt: number | undefined;
  talkSeconds: number | undefined;
  ended: CallResult['ended'] | undefined;
  endedAt = 0;
  startedAt = 0;
  digitsUsed = false;
  /** How many of the script's `waitKeys` entries were pressed (they are pressed in order). */
  waitKeysPressed = 0;
  callerGone = false;
  inQueue: SimQueue | undefined;
  /** The conference room the call is in now (its sid), so a room's news reaches only its participants. */
  inConference: string | undefined;
  private pending: Interrupt | undefined;
  private wake: ((interrupt: Interrupt) => void) | undefined;

  constructor(
    readonly script: CallerScript,
    private readonly clock: SimulatedClock,
    readonly direction: CallDirection = 'inbound',
  ) {
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

  /** The interrupt not acted on yet, if any: whoever takes it acts on it. */
  take(): Interrupt | undefined {
    const pending = this.pending;
    this.pending = undefined;
    return pending;
  }

  /**
   * Wait simulated seconds: undefined when they passed, else the interrupt that cut the wait short. An
   * interrupt stays pending until taken, so one that arrives as a wait ends is not lost.
   */
  async wait(seconds: number): Promise<Interrupt | undefined> {
    const before = this.take();
    if (before !== undefined) return before;
    const interrupt = await Promise.race([this.clock.sleep(seconds), this.interruption()]);
    this.wake = undefined;
    if (interrupt !== undefined) {
      this.pending = undefined;
      return interrupt;
    }
    // An interrupt at the very moment the wait ended still counts.
    return this.take();
  }

  /** Resolves with the next interrupt, to race against a wait. */
  private interruption(): Promise<Interrupt> {
    return new Promise<Interrupt>((resolve) => {
      this.wake = (interrupt) => {
        this.wake = undefined;
        resolve(interrupt);
      };
    });
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
