import type { CallState } from '../store/call-store.js';

/**
 * When the project moves a caller off a ringing <Dial> through the REST API (pickup, a waiting-line
 * offer), Twilio still requests that <Dial>'s action, with `DialCallStatus=canceled` (one of the
 * values https://www.twilio.com/docs/voice/twiml/dial lists for the action). That request must change
 * nothing: the
 * call item records when we redirected (`redirectedAtMs`, written before the REST request), and the
 * action URL carries when the <Dial> started. A cancel of a <Dial> that started before our redirect
 * is ours; any other cancel is an offer nobody took.
 */
export function isOwnRedirect(
  call: Pick<CallState, 'redirectedAtMs'> | undefined,
  dialCallStatus: string | undefined,
  offeredAtMs: number | undefined,
): boolean {
  if (dialCallStatus !== 'canceled' || offeredAtMs === undefined || !Number.isFinite(offeredAtMs)) return false;
  return call?.redirectedAtMs !== undefined && call.redirectedAtMs >= offeredAtMs;
}
