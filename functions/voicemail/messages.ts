/**
 * What makes a recording a voicemail, shared by the voice webhooks and the reconciliation (which must
 * not load TwiML code, so this lives apart from functions/voice/).
 */

/**
 * A recording shorter than this is not a message (SPEC section 6; Twilio may report 0 or 1 s for
 * a caller who hung up at the beep).
 */
export const MIN_VOICEMAIL_SECONDS = 2;

export function isMessage(durationSeconds: number): boolean {
  return Number.isFinite(durationSeconds) && durationSeconds >= MIN_VOICEMAIL_SECONDS;
}

/**
 * A recording's URL as Twilio sends it in `RecordingUrl` (the media without extension), so a
 * voicemail stored by the reconciliation looks like one stored from a webhook.
 */
export function recordingUrl(accountSid: string, recordingSid: string): string {
  return `https://api.twilio.com/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Recordings/${encodeURIComponent(recordingSid)}`;
}
