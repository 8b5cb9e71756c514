/**
 * Twilio's words and limits that the project decides on, in one place: the statuses and results its
 * requests carry, and the limits of the TwiML it answers with (twiml/dial-limits.ts plans a <Dial>
 * within them).
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

/**
 * The nouns of one <Dial> (https://www.twilio.com/docs/voice/twiml/dial#nouns): at most 10 <Client>
 * and at most 10 <Number> ring together, and a <Sip> stands alone. Whether several <Sip> nouns in one
 * <Dial> ring together is unconfirmed, so we never put two in one.
 */
export const MAX_CLIENTS_PER_DIAL = 10;
export const MAX_NUMBERS_PER_DIAL = 10;

/**
 * The longest call an offer can become: <Dial timeLimit> (Twilio's own maximum is 4 hours). A busy
 * mark expires this long after the answer (plus a margin), so a lost callback cannot block a member
 * for longer.
 */
export const MAX_CALL_SECONDS = 4 * 3600;

/**
 * "Twilio always adds a five-second timeout buffer" to a <Dial>'s timeout
 * (https://www.twilio.com/docs/voice/twiml/dial#timeout): an offer rings this much longer.
 */
export const TWILIO_RING_BUFFER_SECONDS = 5;

/** A <Dial>'s `timeout` is 5 to 600 seconds; one ring is 5 seconds. */
export const DIAL_TIMEOUT_MIN_SECONDS = 5;
export const DIAL_TIMEOUT_MAX_SECONDS = 600;
export const SECONDS_PER_RING = 5;

/**
 * A noun's `url` document (https://www.twilio.com/docs/voice/twiml/number#url,
 * https://www.twilio.com/docs/voice/twiml/client#url) runs on the called party after they answer and
 * before the bridge; it may <Say>, <Gather> and <Hangup> (the call-whisper glossary:
 * https://www.twilio.com/docs/glossary/call-whisper). The key that accepts, and how long the member
 * has to press it after the question (the <Gather> timeout, https://www.twilio.com/docs/voice/twiml/gather#timeout).
 */
export const CONFIRM_KEY = '1';
export const CONFIRM_TIMEOUT_SECONDS = 5;

/**
 * `DialBridged` of a <Dial> action (https://www.twilio.com/docs/voice/twiml/dial#action): `false` when
 * the dialled leg was never connected to the caller, as when its `url` document hung it up. Then the
 * offer was not answered, whatever `DialCallStatus` says.
 */
export const DIAL_NOT_BRIDGED = 'false';
