import type { DeviceBehaviour } from './types.js';

/**
 * What a ringing device does, by its behaviour (types.ts `DeviceBehaviour`): one reading for the legs
 * of a <Dial> (verbs/dial.ts) and for calls created through the REST API (created-calls.ts).
 */

/** Seconds `answer` and `voicemail-box` take to pick up. */
export const DEFAULT_ANSWER_AFTER = 2;
/** Seconds an answered device talks before it hangs up, unless its behaviour says `hangUpAfter`. */
export const DEFAULT_TALK_SECONDS = 60;

export type RingOutcome = { after: number; kind: 'answer' | 'busy' | 'failed' | 'reject' };

/**
 * What the device does, `after` seconds into the ring: undefined when it rings through the whole
 * `window` (never answers, or answers too late). A device already on another call is busy.
 */
export function ringOutcome(behaviour: DeviceBehaviour, onAnotherCall: boolean, window: number): RingOutcome | undefined {
  if (onAnotherCall) return { after: 1, kind: 'busy' };
  if (behaviour === 'busy') return { after: 1, kind: 'busy' };
  if (behaviour === 'reject') return { after: 1, kind: 'reject' };
  if (behaviour === 'failed') return { after: 0, kind: 'failed' };
  if (behaviour === 'answer' || behaviour === 'voicemail-box') return { after: DEFAULT_ANSWER_AFTER, kind: 'answer' };
  if (typeof behaviour === 'object' && behaviour.answerAfter < window) return { after: behaviour.answerAfter, kind: 'answer' };
  return undefined;
}

/** Seconds an answered device talks before it hangs up. */
export function talkSecondsOf(behaviour: DeviceBehaviour): number {
  return typeof behaviour === 'object' ? (behaviour.hangUpAfter ?? DEFAULT_TALK_SECONDS) : DEFAULT_TALK_SECONDS;
}

/** The keys a device presses when a document it hears asks for some (a <Gather>): "" for none. */
export function keysOf(behaviour: DeviceBehaviour): string {
  if (behaviour === 'voicemail-box') return '';
  if (typeof behaviour === 'object') return behaviour.keys ?? '1';
  return '1';
}
