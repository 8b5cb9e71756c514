import type { Group } from '../commons/schemas.js';
import { dialTimeoutSeconds } from '../twiml/dial-limits.js';
import { TWILIO_RING_BUFFER_SECONDS } from '../twilio/vocabulary.js';

/** Seconds a ringing mark outlives the offer's own ring time (Twilio's 5 s buffer and webhook delays). */
export const RINGING_MARGIN_SECONDS = 60;

/** When the ringing marks of an offer made now expire. */
export function ringingUntil(group: Pick<Group, 'rings'>, now: number): number {
  return now + dialTimeoutSeconds(group.rings) + TWILIO_RING_BUFFER_SECONDS + RINGING_MARGIN_SECONDS;
}
