/**
 * Twilio's words and limits that the project decides on, in one place (the limits of one <Dial>'s
 * nouns and its timeouts are in twiml/dial-limits.ts, beside the TwiML that obeys them).
 */

/**
 * `DialCallStatus` of a <Dial> action (https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values):
 * `completed` (answered, then hung up) and `answered` mean a member took the call; the others that
 * nobody did. Never compare with "complete".
 */
export const DIAL_ANSWERED: ReadonlySet<string> = new Set(['completed', 'answered']);
export const DIAL_NOT_ANSWERED: ReadonlySet<string> = new Set(['busy', 'no-answer', 'failed', 'canceled']);

/** Twilio's final call statuses (https://www.twilio.com/docs/voice/api/call-resource#call-status-values): the call is over. */
export const CALL_FINAL: ReadonlySet<string> = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** A child leg's status callback when its device answered (`answered` event: CallStatus `in-progress`). */
export const LEG_ANSWERING: ReadonlySet<string> = new Set(['in-progress', 'answered']);

/**
 * `QueueResult` of the <Enqueue> action (https://www.twilio.com/docs/voice/twiml/enqueue#attributes-action).
 * A value not listed here is handled like `error`.
 */
export const QUEUE_RESULTS = [
  'bridged',
  'bridging-in-process',
  'queue-full',
  'error',
  'system-error',
  'hangup',
  'leave',
  'redirected',
  'redirected-from-bridged',
] as const;
export type QueueResult = (typeof QUEUE_RESULTS)[number];

/** Twilio's queue names have at most 64 characters (https://www.twilio.com/docs/voice/twiml/enqueue). */
export const QUEUE_NAME_MAX_LENGTH = 64;
