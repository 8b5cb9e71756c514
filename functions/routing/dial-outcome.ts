import { DIAL_ANSWERED, DIAL_NOT_ANSWERED } from '../twilio/vocabulary.js';

/** How a <Dial> ended: a member took the call, or nobody did. */
export type DialOutcome = 'answered' | 'not-answered';

/**
 * The outcome of a <Dial> from its `DialCallStatus` (twilio/vocabulary.ts says which value means
 * what). A value Twilio does not document for the action counts as not answered, and `known` says so,
 * so the caller is served by the next step and the webhook can log it.
 */
export function dialOutcome(dialCallStatus: string | undefined): { outcome: DialOutcome; known: boolean } {
  if (dialCallStatus !== undefined && DIAL_ANSWERED.has(dialCallStatus)) return { outcome: 'answered', known: true };
  return { outcome: 'not-answered', known: dialCallStatus !== undefined && DIAL_NOT_ANSWERED.has(dialCallStatus) };
}
