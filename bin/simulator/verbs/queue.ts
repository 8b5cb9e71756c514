import { createHash } from 'node:crypto';
import type { Interrupt, SimCall } from '../call.js';
import type { SimulatedClock } from '../clock.js';
import type { TwimlElement } from '../twiml.js';
import { DEFAULT_TALK_SECONDS, type ActionParams, type VerbContext } from './verb.js';

/**
 * Waiting lines, as Twilio keeps them for <Enqueue> (verbs/enqueue.ts) and <Dial><Queue> (here): who
 * waits in which queue since when, and the bridge between a waiting caller and the call that takes it.
 */

export type QueueEntry = { call: SimCall; joinedAt: number; bridge?: (partner: SimCall, talkSeconds: number) => void };
export type SimQueue = { name: string; sid: string; members: QueueEntry[]; maxSize: number; waited: number[] };

export class Queues {
  private readonly queues = new Map<string, SimQueue>();

  constructor(
    private readonly clock: SimulatedClock,
    private readonly maxSize: number,
  ) {}

  has(name: string): boolean {
    return this.queues.has(name);
  }

  /** The queue of that name; entering a queue creates it. */
  byName(name: string): SimQueue {
    let queue = this.queues.get(name);
    if (queue === undefined) {
      queue = {
        name,
        sid: `QU${createHash('sha256').update(name).digest('hex').slice(0, 32)}`,
        members: [],
        maxSize: this.maxSize,
        waited: [],
      };
      this.queues.set(name, queue);
    }
    return queue;
  }

  bySid(sid: string): SimQueue | undefined {
    return [...this.queues.values()].find((queue) => queue.sid === sid);
  }

  /** The call leaves the queue it waits in, if any. */
  leave(call: SimCall): void {
    const queue = call.inQueue;
    if (queue === undefined) return;
    const entry = queue.members.find((member) => member.call === call);
    queue.members = queue.members.filter((member) => member.call !== call);
    if (entry !== undefined) queue.waited.push(this.clock.now - entry.joinedAt);
    call.inQueue = undefined;
  }

  /** The parameters of a waitUrl request. */
  params(queue: SimQueue, entry: QueueEntry): Record<string, string> {
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
}

/** Two calls bridged through a queue talk for `seconds`, unless one hangs up first: the seconds talked. */
export async function talk(context: VerbContext, call: SimCall, partner: SimCall, seconds: number): Promise<number | Interrupt> {
  call.answeredBy ??= context.partyOf(partner);
  call.answeredAt ??= context.clock.now;
  const from = context.clock.now;
  const interrupt = await call.wait(seconds);
  if (interrupt !== undefined && interrupt.kind !== 'caller-hangup') return interrupt;
  if (interrupt !== undefined) call.callerGone = true;
  const talked = Math.round(context.clock.now - from);
  call.talkSeconds = (call.talkSeconds ?? 0) + talked;
  return talked;
}

/**
 * <Dial><Queue>: connect to the caller at the front of the queue, waiting up to `timeout` for one. A
 * queue nobody has entered yet does not exist: "If the queue does not exist, Dial will post an error
 * status to its action URL" (https://www.twilio.com/docs/voice/twiml/queue).
 */
export async function dialQueue(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  noun: TwimlElement,
): Promise<ActionParams | Interrupt> {
  if (!context.queues.has(noun.text.trim())) {
    context.log(call, { type: 'dial-end', status: 'failed' });
    return { kind: 'action', params: { DialCallStatus: 'failed' } };
  }
  const queue = context.queues.byName(noun.text.trim());
  const timeout = Number(verb.attrs.timeout ?? '30');
  const started = context.clock.now;
  let front = queue.members[0];
  while (front === undefined && context.clock.now - started < timeout) {
    const interrupt = await call.wait(1);
    if (interrupt !== undefined) return interrupt;
    front = queue.members[0];
  }
  if (front === undefined) return { kind: 'action', params: { DialCallStatus: 'no-answer', QueueSid: queue.sid } };
  const seconds = call.script.talkSeconds ?? DEFAULT_TALK_SECONDS;
  front.bridge?.(call, seconds);
  context.log(call, { type: 'dial-end', status: 'completed', answeredBy: context.partyOf(front.call), talkSeconds: seconds });
  const talked = await talk(context, call, front.call, seconds);
  if (typeof talked !== 'number') return talked;
  return {
    kind: 'action',
    params: {
      DialCallStatus: 'completed',
      DialCallSid: front.call.sid,
      DialCallDuration: String(talked),
      DialBridged: 'true',
      QueueSid: queue.sid,
      ...(call.callerGone ? { CallStatus: 'completed' } : {}),
    },
  };
}
