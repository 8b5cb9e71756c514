import type { Interrupt, SimCall } from '../call.js';
import type { TwimlElement, TwimlRuleError } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { gather } from './gather.js';
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
};

/**
 * Plays the document at `url` (following its <Redirect>s) to its end (undefined), to a verb that ends
 * the wait (<Leave>, <Hangup>), or until the call is interrupted (the interrupt).
 */
export async function playWaitUrl(
  context: VerbContext,
  call: SimCall,
  url: string,
  method: 'GET' | 'POST',
  rules: WaitRules,
): Promise<'Leave' | 'Hangup' | Interrupt | undefined> {
  let holdUrl = url;
  let verbs = await context.webhooks.fetchTwiml(call, holdUrl, method, rules.params());
  for (let index = 0; index < verbs.length; index += 1) {
    const hold = verbs[index] as TwimlElement;
    const interrupt = call.take();
    if (interrupt !== undefined) return interrupt;
    if (!rules.allowed.includes(hold.name)) throw rules.refuse(hold.name);
    if (hold.name === 'Leave' || hold.name === 'Hangup') return hold.name;
    if (hold.name === 'Redirect') {
      holdUrl = new URL(hold.text, holdUrl).toString();
      verbs = await context.webhooks.fetchTwiml(call, holdUrl, methodOf(hold.attrs.method), rules.params());
      index = -1;
      continue;
    }
    const cut = hold.name === 'Gather' ? await gather(context, call, hold) : await playMedia(context, call, hold);
    if (cut !== undefined && cut.kind !== 'gathered') return cut;
  }
  return undefined;
}
