import type { Interrupt, SimCall } from '../call.js';
import type { TwimlElement } from '../twiml.js';
import { methodOf } from '../webhooks.js';
import { announce, mediaSeconds, playMedia } from './media.js';
import type { Outcome, Resolve, VerbContext } from './verb.js';

/** <Gather>: keys count while the prompt plays and for `timeout` seconds after it. */

export type Gathered = { kind: 'gathered'; digits: string | undefined };

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
      verbs: await context.webhooks.fetchTwiml(call, url, methodOf(verb.attrs.method), {
        Digits: gathered.digits ?? '',
        FinishedOnKey: '',
      }),
      url,
    },
  };
}

/** The keys a <Gather> gets (also in a waitUrl document, where they lead nowhere). */
export async function gather(context: VerbContext, call: SimCall, verb: TwimlElement): Promise<Gathered | Interrupt> {
  const numDigits = verb.attrs.numDigits === undefined ? undefined : Number(verb.attrs.numDigits);
  const timeout = Number(verb.attrs.timeout ?? '5');
  // The caller presses their keys once, during the first <Gather>; keys pressed too late are lost.
  const keys = call.digitsUsed ? undefined : call.script.digits;
  call.digitsUsed = true;
  const pressAfter = call.script.digitsAfter ?? 1;
  const promptSeconds = verb.children.reduce((sum, child) => sum + mediaSeconds(child, context.options.playSeconds), 0);
  if (keys !== undefined && keys !== '' && pressAfter <= promptSeconds + timeout)
    return pressKeys(context, call, verb, keys, pressAfter, numDigits, timeout);
  for (const child of verb.children) {
    const interrupt = await playMedia(context, call, child);
    if (interrupt !== undefined) return interrupt;
  }
  const interrupt = await call.wait(timeout);
  if (interrupt !== undefined) return interrupt;
  context.log(call, { type: 'gather', ...(numDigits === undefined ? {} : { numDigits }) });
  return { kind: 'gathered', digits: undefined };
}

/** The caller presses `keys` `pressAfter` seconds into the <Gather>. */
async function pressKeys(
  context: VerbContext,
  call: SimCall,
  verb: TwimlElement,
  keys: string,
  pressAfter: number,
  numDigits: number | undefined,
  timeout: number,
): Promise<Gathered | Interrupt> {
  const started = context.clock.now;
  // The prompt plays until the first key, which stops it.
  for (const child of verb.children) {
    if (context.clock.now - started >= pressAfter) break;
    announce(context, call, child);
    const interrupt = await call.wait(
      Math.min(pressAfter - (context.clock.now - started), mediaSeconds(child, context.options.playSeconds)),
    );
    if (interrupt !== undefined) return interrupt;
  }
  const interrupt = await call.wait(Math.max(0, pressAfter - (context.clock.now - started)));
  if (interrupt !== undefined) return interrupt;
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
  context.log(call, { type: 'gather', ...(numDigits === undefined ? {} : { numDigits }), ...(typed === '' ? {} : { digits: typed }) });
  return { kind: 'gathered', digits: typed === '' ? undefined : typed };
}
