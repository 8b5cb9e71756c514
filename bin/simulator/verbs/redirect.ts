import type { SimCall } from '../call.js';
import type { TwimlElement } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { ended, type Outcome, type Resolve, type VerbContext } from './verb.js';

/** <Redirect>, <Hangup> and <Reject>: the document ends, and the call goes on elsewhere or ends. */

export async function playRedirect(context: VerbContext, call: SimCall, verb: TwimlElement, resolve: Resolve): Promise<Outcome> {
  const url = resolve(verb.text);
  context.log(call, { type: 'redirect', url: verb.text });
  return { kind: 'next', next: { verbs: await context.webhooks.fetchTwiml(call, url, methodOf(verb.attrs.method), {}), url } };
}

export function playHangup(context: VerbContext, call: SimCall): Outcome {
  context.log(call, { type: 'hangup', by: 'twiml' });
  return ended('hangup');
}

export function playReject(context: VerbContext, call: SimCall): Outcome {
  context.log(call, { type: 'hangup', by: 'reject' });
  return ended('rejected');
}
