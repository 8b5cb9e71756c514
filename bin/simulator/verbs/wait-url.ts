import type { Interrupt, SimCall } from '../call.js';
import type { TwimlElement, TwimlRuleError } from '../twiml.js';
import { methodOf, type Next } from '../webhooks.js';
import { gather, gatherActionParams } from './gather.js';
import { playMedia } from './media.js';
import type { VerbContext } from './verb.js';

/**
 * A waitUrl document: what a caller hears while waiting in a queue (<Enqueue waitUrl>) or alone in a
 * conference (<Conference waitUrl>). Each place allows its own few verbs (`WaitRules`).
 */
export type WaitRules = {
  /** The verbs Twilio allows in such a document. */
  allowed: readonly string[];
  /** The rule a verb outside `allowed` breaks. */
  refuse: (verb: string) => TwimlRuleError;
  /** The parameters of each request of the document (again on a <Redirect>). */
  params: () => Record<string, string>;
  /** The queue the caller waits in, for the transcript (a conference's wait allows no <Gather>). */
  queue?: string;
};

/**
 * Plays the document at `url` (following its <Redirect>s) to its end (undefined), to a verb that ends
 * the wait (<Leave>, <Hangup>), or until the call is interrupted (the interrupt).
 *
 * A <Gather> that gets keys requests its action with `Digits`, as any <Gather> does
 * (https://www.twilio.com/docs/voice/twiml/gather), and the answer runs in the same waiting place.
 * Twilio's <Enqueue> page (https://www.twilio.com/docs/voice/twiml/enqueue) lists <Gather> among the
 * waitUrl verbs but says nothing of that action: neither its parameters nor what its answer may
 * hold. The simulator sends the call's parameters with `Digits` (not the queue's: those are
 * documented for the waitUrl request only), applies the waitUrl rules to the answer (the same verbs,
 * <Leave> leaves the queue), and requests the waitUrl again when the answer runs out, as for the
 * waitUrl document itself.
 */
export async function playWaitUrl(
  context: VerbContext,
  call: SimCall,
  url: string,
  method: 'GET' | 'POST',
  rules: WaitRules,
): Promise<'Leave' | 'Hangup' | Interrupt | undefined> {
  let document: Next = { url, verbs: await context.webhooks.fetchTwiml(call, url, method, rules.params()) };
  for (let index = 0; index < document.verbs.length; index += 1) {
    const hold = document.verbs[index] as TwimlElement;
    const interrupt = call.take();
    if (interrupt !== undefined) return interrupt;
    if (!rules.allowed.includes(hold.name)) throw rules.refuse(hold.name);
    if (hold.name === 'Leave' || hold.name === 'Hangup') return hold.name;
    let moved: Next | undefined;
    if (hold.name === 'Redirect') {
      const target = new URL(hold.text, document.url).toString();
      moved = { url: target, verbs: await context.webhooks.fetchTwiml(call, target, methodOf(hold.attrs.method), rules.params()) };
    } else if (hold.name === 'Gather') {
      const gathered = await gather(context, call, hold, rules.queue);
      if (gathered.kind !== 'gathered') return gathered;
      // No keys: the document goes on with the next verb, unless the action wants empty results too.
      if (gathered.digits === undefined && hold.attrs.actionOnEmptyResult !== 'true') continue;
      const action = new URL(hold.attrs.action ?? document.url, document.url).toString();
      context.log(call, { type: 'wait-gather-action', queue: rules.queue ?? '', url: action, digits: gathered.digits ?? '' });
      moved = {
        url: action,
        verbs: await context.webhooks.fetchTwiml(call, action, methodOf(hold.attrs.method), gatherActionParams(gathered)),
      };
    } else {
      const cut = await playMedia(context, call, hold);
      if (cut !== undefined) return cut;
    }
    if (moved !== undefined) {
      document = moved;
      index = -1;
    }
  }
  return undefined;
}
