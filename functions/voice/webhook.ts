import type { TwilioApi } from '../twilio-api/client.js';

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
  /** When we received the request: the clock of every mark and expiry. */
  readonly now: Date;
  /**
   * When Twilio says the event happened (`Timestamp` on status callbacks, else `now`): the clock of the
   * call log, so durations agree with Twilio's own CallDuration.
   */
  readonly eventTime: Date;
  /** Twilio's REST API, to move live calls (waiting line, pickup). */
  readonly twilio: TwilioApi;
  /** The call this webhook is about, parsed once at the boundary. */
  readonly call: CallParams;
};

/** Twilio's call parameters in our words. */
export type CallParams = {
  /** `CallSid`: the call (for a leg callback, the child leg). */
  readonly callSid: string;
  /** `From`: the caller. */
  readonly from: string | undefined;
  /** `To`: the number called. */
  readonly to: string | undefined;
};

/** Every voice request of Twilio's carries a CallSid; one without it cannot be ours to serve. */
export function callParams(params: Readonly<Record<string, string>>): CallParams | undefined {
  const callSid = params.CallSid;
  if (callSid === undefined || !/^CA[0-9a-zA-Z]{1,64}$/.test(callSid)) return undefined;
  return { callSid, from: params.From === '' ? undefined : params.From, to: params.To === '' ? undefined : params.To };
}

/** The webhook's time in epoch seconds, the unit of every expiry. */
export function epochSeconds(webhook: Pick<VoiceWebhook, 'now'>): number {
  return Math.floor(webhook.now.getTime() / 1000);
}

/** The event's time in epoch seconds, for the call log. */
export function eventSeconds(webhook: Pick<VoiceWebhook, 'eventTime'>): number {
  return Math.floor(webhook.eventTime.getTime() / 1000);
}

export function param(webhook: VoiceWebhook, name: string): string | undefined {
  const value = webhook.params[name];
  return value === undefined || value === '' ? undefined : value;
}
