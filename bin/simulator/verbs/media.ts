import type { Interrupt, SimCall } from '../call.js';
import type { TwimlElement } from '../twiml.js';
import type { VerbContext } from './verb.js';

/** <Say>, <Play> and <Pause>: the caller hears something (or nothing) for a while. */

function speechSeconds(text: string): number {
  return Math.max(1, Math.ceil(text.trim().split(/\s+/).length / 2.5));
}

/**
 * Seconds one play of a media verb lasts: speech at about 2.5 words a second; a <Play> lasts
 * `playSeconds` (Twilio plays the whole file; we cannot know its length); a <Pause> its `length`.
 */
export function mediaSeconds(verb: TwimlElement, playSeconds = 5): number {
  if (verb.name === 'Say') return speechSeconds(verb.text);
  if (verb.name === 'Play') return playSeconds;
  return Number(verb.attrs.length ?? '1');
}

/** How many times a <Say> or <Play> plays (`loop`; a <Pause> has none). */
function plays(verb: TwimlElement): number {
  if (verb.name === 'Pause') return 1;
  return Math.max(1, Number(verb.attrs.loop ?? '1') || 1);
}

/** Seconds a <Say>, <Play> or <Pause> lasts with its `loop`. */
export function totalSeconds(verb: TwimlElement, playSeconds?: number): number {
  return mediaSeconds(verb, playSeconds) * plays(verb);
}

/** The transcript line of a <Say> or a <Play> starting (a <Pause> is logged with its length). */
export function announce(context: VerbContext, call: SimCall, verb: TwimlElement): void {
  if (verb.name === 'Say')
    context.log(call, { type: 'say', text: verb.text, ...(verb.attrs.language === undefined ? {} : { language: verb.attrs.language }) });
  if (verb.name === 'Play') context.log(call, { type: 'play', url: verb.text });
}

/** Plays a <Say>, <Play> or <Pause> to its end, unless the call is interrupted first. */
export async function playMedia(context: VerbContext, call: SimCall, verb: TwimlElement): Promise<Interrupt | undefined> {
  const seconds = totalSeconds(verb, context.options.playSeconds);
  if (verb.name === 'Say' || verb.name === 'Play') announce(context, call, verb);
  else context.log(call, { type: 'pause', seconds });
  return call.wait(seconds);
}
