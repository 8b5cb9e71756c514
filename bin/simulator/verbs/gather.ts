import type { Interrupt, SimCall } from '../call.js';
import type { TwimlElement } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { announce, playMedia, totalSeconds } from './media.js';
import type { Outcome, Resolve, VerbContext } from './verb.js';

/**
 * <Gather> (https://www.twilio.com/docs/voice/twiml/gather): keys count while the prompt plays and
 * for `timeout` seconds after it; the first key stops the prompt; `finishOnKey` (default `#`) or
 * `numDigits` ends the input, else `timeout` seconds after the last key do.
 */

export type Gathered = { kind: 'gathered'; digits: string | undefined };

/** Keys a caller presses during one <Gather>: `keys`, `after` seconds into it. */
type Press = { keys: string; after: number; pressed: () => void };

/** The <Gather> verb: its action gets the keys (or none, with `actionOnEmptyResult`). */
export async function playGather(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  resolve: Resolve,
  documentUrl: string,
): Promise<Outcome> {
  const gathered = await gather(context, call, verb);
  if (gathered.kind !== 'gathered') return gathered;
  if (gathered.digits === undefined && verb.attrs.actionOnEmptyResult !== 'true') return undefined;
  const url = resolve(verb.attrs.action ?? documentUrl);
  return {
    kind: 'next',
    next: {
      verbs: await context.webhooks.fetchTwiml(call, url, methodOf(verb.attrs.method), gatherActionParams(gathered)),
      url,
    },
  };
}

/** What a <Gather> action request carries besides the call's parameters. */
export function gatherActionParams(gathered: Gathered): Record<string, string> {
  return { Digits: gathered.digits ?? '', FinishedOnKey: '' };
}

/**
 * The keys a <Gather> gets. In a document, the caller's `digits` (pressed once, at the first
 * <Gather>). While the caller waits in `queue` (a waitUrl document, or the answer to its <Gather>'s
 * action), the script's `waitKeys` when it has some (else `digits`, as before waitKeys existed).
 */
export async function gather(context: VerbContext, call: SimCall, verb: TwimlElement, queue?: string): Promise<Gathered | Interrupt> {
  const numDigits = verb.attrs.numDigits === undefined ? undefined : Number(verb.attrs.numDigits);
  const timeout = Number(verb.attrs.timeout ?? '5');
  const promptSeconds = verb.children.reduce((sum, child) => sum + totalSeconds(child, context.options.playSeconds), 0);
  const window = promptSeconds + timeout;
  const press =
    queue !== undefined && call.script.waitKeys !== undefined ? waitingPress(context, call, window) : documentPress(call, window);
  const log = (digits: string | undefined): void =>
    context.log(call, {
      type: 'gather',
      ...(numDigits === undefined ? {} : { numDigits }),
      ...(digits === undefined ? {} : { digits }),
      ...(queue === undefined ? {} : { queue }),
    });
  if (press !== undefined) return pressKeys(context, call, verb, press, numDigits, timeout, log);
  for (const child of verb.children) {
    const interrupt = await playMedia(context, call, child);
    if (interrupt !== undefined) return interrupt;
  }
  const interrupt = await call.wait(timeout);
  if (interrupt !== undefined) return interrupt;
  log(undefined);
  return { kind: 'gathered', digits: undefined };
}

/** The caller presses their `digits` once, during the first <Gather>; keys pressed too late are lost. */
function documentPress(call: SimCall, window: number): Press | undefined {
  const keys = call.digitsUsed ? undefined : call.script.digits;
  call.digitsUsed = true;
  const after = call.script.digitsAfter ?? 1;
  if (keys === undefined || keys === '' || after > window) return undefined;
  return { keys, after, pressed: () => undefined };
}

/**
 * The next `waitKeys` entry, if its second comes while this <Gather> listens: pressed then (or at
 * once when that second has passed). An entry whose second comes later waits for a later <Gather>.
 */
function waitingPress(context: VerbContext, call: SimCall, window: number): Press | undefined {
  const entry = call.script.waitKeys?.[call.waitKeysPressed];
  if (entry === undefined) return undefined;
  const after = Math.max(0, call.startedAt + entry.after - context.clock.now);
  if (after > window) return undefined;
  return {
    keys: entry.digits,
    after,
    pressed: () => {
      call.waitKeysPressed += 1;
    },
  };
}

/** The caller presses `press.keys` `press.after` seconds into the <Gather>. */
async function pressKeys(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  press: Press,
  numDigits: number | undefined,
  timeout: number,
  log: (digits: string | undefined) => void,
): Promise<Gathered | Interrupt> {
  const started = context.clock.now;
  // The prompt plays until the first key, which stops it.
  for (const child of verb.children) {
    if (context.clock.now - started >= press.after) break;
    announce(context, call, child);
    const interrupt = await call.wait(
      Math.min(press.after - (context.clock.now - started), totalSeconds(child, context.options.playSeconds)),
    );
    if (interrupt !== undefined) return interrupt;
  }
  const interrupt = await call.wait(Math.max(0, press.after - (context.clock.now - started)));
  if (interrupt !== undefined) return interrupt;
  press.pressed();
  const keys = press.keys;
  const finishOnKey = verb.attrs.finishOnKey ?? '#';
  let typed = keys;
  const finish = finishOnKey === '' ? -1 : typed.indexOf(finishOnKey);
  if (finish >= 0) typed = typed.slice(0, finish);
  if (numDigits !== undefined) typed = typed.slice(0, numDigits);
  const complete = finish >= 0 || (numDigits !== undefined && keys.length >= numDigits);
  // Without a finishing key or enough digits, Twilio waits `timeout` after the last key.
  if (!complete) {
    const late = await call.wait(timeout);
    if (late !== undefined) return late;
  }
  log(typed === '' ? undefined : typed);
  return { kind: 'gathered', digits: typed === '' ? undefined : typed };
}
