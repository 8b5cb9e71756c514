import type { Interrupt, SimCall } from '../call.js';
import { TwimlRuleError, type TwimlElement } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { talk, type QueueEntry, type SimQueue } from './queue.js';
import { DEFAULT_TALK_SECONDS, ended, followAction, type Outcome, type Resolve, type VerbContext } from './verb.js';
import { playWaitUrl, type WaitRules } from './wait-url.js';

/**
 * <Enqueue>: the caller waits in a queue (verbs/queue.ts), hearing the waitUrl, until the call is
 * bridged (<Dial><Queue>), a waitUrl verb ends the wait (<Leave>, <Hangup>), the caller hangs up, the
 * REST API dequeues or redirects the call, or Twilio fails it (a scenario's `queueFault`). <Leave>
 * outside a waiting line does nothing.
 */

/** The verbs a queue's waitUrl document may use (https://www.twilio.com/docs/voice/twiml/enqueue#attributes-wait-url). */
const QUEUE_WAIT_VERBS = ['Play', 'Say', 'Pause', 'Gather', 'Redirect', 'Leave', 'Hangup'];

const refuse = (verb: string): TwimlRuleError =>
  new TwimlRuleError(
    'verb not allowed in waitUrl',
    `<${verb}> cannot be used in a waitUrl document (Play, Say, Pause, Gather, Redirect, Leave, Hangup only)`,
  );

export async function playEnqueue(context: VerbContext, call: SimCall, verb: TwimlElement, resolve: Resolve): Promise<Outcome> {
  const queue = context.queues.byName(verb.text.trim());
  if (queue.members.length >= queue.maxSize) {
    context.log(call, { type: 'queue-leave', queue: queue.name, result: 'queue-full', waitedSeconds: 0 });
    return followAction(context, call, verb, resolve, { QueueResult: 'queue-full', QueueSid: queue.sid, QueueTime: '0' });
  }
  let bridgedWith: SimCall | undefined;
  let bridgedFor = DEFAULT_TALK_SECONDS;
  const entry: QueueEntry = { call, joinedAt: context.clock.now };
  entry.bridge = (partner, talkSeconds) => {
    bridgedWith = partner;
    bridgedFor = talkSeconds;
    call.interrupt({ kind: 'bridged' });
  };
  queue.members.push(entry);
  call.inQueue = queue;
  context.log(call, { type: 'enqueue', queue: queue.name, position: queue.members.length });
  const fault = call.script.queueFault;
  if (fault !== undefined) {
    void context.clock.sleep(fault.after).then(() => {
      if (queue.members.includes(entry)) call.interrupt({ kind: 'queue-fault', result: fault.result });
    });
  }
  /** The call leaves the queue with `result`: the parameters of the <Enqueue> action. */
  const leave = (result: string): Record<string, string> => {
    const params = { QueueResult: result, QueueSid: queue.sid, QueueTime: String(Math.round(context.clock.now - entry.joinedAt)) };
    context.log(call, { type: 'queue-leave', queue: queue.name, result, waitedSeconds: Math.round(context.clock.now - entry.joinedAt) });
    context.queues.leave(call);
    return params;
  };

  const waited = await holdInQueue(context, call, verb, resolve, queue, entry);
  if (waited === 'Leave') return followAction(context, call, verb, resolve, leave('leave'));
  if (waited === 'Hangup') {
    context.log(call, { type: 'hangup', by: 'twiml' });
    leave('hangup');
    return ended('hangup');
  }
  switch (waited.kind) {
    case 'caller-hangup':
      call.callerGone = true;
      return followAction(context, call, verb, resolve, { ...leave('hangup'), CallStatus: 'completed' });
    case 'bridged': {
      if (bridgedWith === undefined) return waited;
      const params = leave('bridged');
      const talked = await talk(context, call, bridgedWith, bridgedFor);
      if (typeof talked !== 'number') return talked;
      return followAction(context, call, verb, resolve, params);
    }
    case 'queue-fault':
      return followAction(context, call, verb, resolve, leave(waited.result));
    case 'redirect':
    case 'dequeue': {
      // A REST dequeue or redirect: the action is requested at once (its answer is not used: the call
      // runs the TwiML of the new URL), then the call moves on.
      const params = leave('redirected');
      if (verb.attrs.action !== undefined)
        await context.webhooks.post(call, resolve(verb.attrs.action), methodOf(verb.attrs.method), params);
      return { kind: 'next', next: await context.webhooks.movedTo(call, waited) };
    }
    default:
      // A REST end: the engine ends the call.
      return waited;
  }
}

/** The caller waits in the queue until something ends the wait: the waitUrl's <Leave> or <Hangup>, or an interrupt. */
async function holdInQueue(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  resolve: Resolve,
  queue: SimQueue,
  entry: QueueEntry,
): Promise<'Leave' | 'Hangup' | Interrupt> {
  const waitUrl = verb.attrs.waitUrl === undefined ? undefined : resolve(verb.attrs.waitUrl);
  const rules: WaitRules = { allowed: QUEUE_WAIT_VERBS, refuse, params: () => context.queues.params(queue, entry), queue: queue.name };
  for (;;) {
    // Twilio's default hold music plays until something happens; a waitUrl document plays again when it ends.
    const waited =
      waitUrl === undefined ? await call.wait(3600) : await playWaitUrl(context, call, waitUrl, methodOf(verb.attrs.waitUrlMethod), rules);
    if (waited !== undefined) return waited;
  }
}
