/** A verified Twilio webhook as the voice routes see it. */
export type VoiceWebhook = {
  /** The route under /voice/, e.g. `dial-result`. */
  readonly route: string;
  /** Twilio's form parameters (`CallSid`, `From`, `DialCallStatus`, ...). */
  readonly params: Readonly<Record<string, string>>;
  /** Our own query parameters from the action URL (the call context). */
  readonly query: Readonly<Record<string, string>>;
  /** The public URL Twilio requested; callback URLs are made absolute against it. */
  readonly url: string;
  readonly now: Date;
};

export function param(webhook: VoiceWebhook, name: string): string | undefined {
  const value = webhook.params[name];
  return value === undefined || value === '' ? undefined : value;
}
