import type { VoiceParameters } from '../twilio/parameters.js';
import type { TwilioApi } from '../twilio-api/client.js';

/** A verified Twilio webhook as the voice routes see it. */
export type VoiceWebhook = {
  /** The route under /voice/, e.g. `dial-result`. */
  readonly route: string;
  /** Twilio's parameters, parsed once at the boundary (twilio/parameters.ts). */
  readonly params: VoiceParameters;
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

/** The call a request is about, from its parsed parameters. */
export function callOf(params: Pick<VoiceParameters, 'callSid' | 'from' | 'to'>): CallParams {
  return { callSid: params.callSid, from: params.from, to: params.to };
}

/** The webhook's time in epoch seconds, the unit of every expiry. */
export function epochSeconds(webhook: Pick<VoiceWebhook, 'now'>): number {
  return Math.floor(webhook.now.getTime() / 1000);
}

/** The event's time in epoch seconds, for the call log. */
export function eventSeconds(webhook: Pick<VoiceWebhook, 'eventTime'>): number {
  return Math.floor(webhook.eventTime.getTime() / 1000);
}
