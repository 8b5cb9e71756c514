import { DIAL_ANSWERED, DIAL_NOT_ANSWERED, DIAL_NOT_BRIDGED } from '../twilio/vocabulary.js';

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

/**
 * How an unanswered offer ended, in the ledger's words: Twilio's DialCallStatus (no-answer, busy,
 * failed, canceled), or `declined` for a leg that answered but was never bridged (a confirmation not
 * given, SPEC 15).
 */
export function unansweredStatus(dialCallStatus: string | undefined, dialBridged: string | undefined): string {
  return dialBridged === DIAL_NOT_BRIDGED ? 'declined' : (dialCallStatus ?? 'unknown');
}
