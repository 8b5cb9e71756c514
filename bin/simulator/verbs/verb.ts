import type { Interrupt, SimCall } from '../call.js';
import type { SimulatedClock } from '../clock.js';
import type { TwimlElement } from '../twiml.js';
import type { CallResult, EventBody, SimulationOptions } from '../types.js';
import { methodOf, type Next, type Webhooks } from '../webhooks.js';
import type { ConferenceRooms } from './conference.js';
import type { Devices } from './dial.js';
import type { Queues } from './queue.js';

/**
 * What every verb module (one per TwiML verb family, as jambonz's lib/tasks/) plays with: the engine's
 * shared state, and how a verb tells the engine what the call does next.
 */
export type VerbContext = {
  readonly clock: SimulatedClock;
  readonly options: SimulationOptions;
  readonly webhooks: Webhooks;
  readonly devices: Devices;
  readonly queues: Queues;
  readonly conferences: ConferenceRooms;
  log(call: SimCall, event: EventBody): void;
  /** The member (else the call) on the other side of a bridge, for "answered by". */
  partyOf(call: SimCall): string;
  callBySid(sid: string): SimCall | undefined;
  /** One of the account's numbers or verified caller IDs (SimulationOptions.accountNumbers). */
  isAccountNumber(number: string): boolean;
};

/** Resolves a URL in a verb against its document's URL. */
export type Resolve = (relative: string) => string;

/**
 * How a verb leaves the call: undefined goes on with the next verb; `next` moves to another document;
 * `ended` ends the call; an Interrupt the verb did not handle goes to the engine (engine.ts).
 */
export type Outcome = undefined | { kind: 'next'; next: Next } | { kind: 'ended'; how: CallResult['ended'] } | Interrupt;

/** A verb (or noun) that ended on its own: the parameters its action gets. */
export type ActionParams = { kind: 'action'; params: Record<string, string> };

export { DEFAULT_TALK_SECONDS } from '../ringing.js';

export function ended(how: CallResult['ended']): Outcome {
  return { kind: 'ended', how };
}

/**
 * After a verb that ends with an action request: request it (Twilio does so even when the caller
 * has hung up, and then ignores the answer). Undefined when the verb has no action.
 */
export async function followAction(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  resolve: Resolve,
  params: Record<string, string>,
): Promise<Outcome> {
  if (verb.attrs.action === undefined) return call.callerGone ? ended('caller-hung-up') : undefined;
  const url = resolve(verb.attrs.action);
  const verbs = await context.webhooks.fetchTwiml(call, url, methodOf(verb.attrs.method), params);
  if (call.callerGone) return ended('caller-hung-up');
  return { kind: 'next', next: { verbs, url } };
}
