import { assertWithinBudget, currentSignal } from '../commons/budget.js';

/**
 * The one way the project reaches Twilio's REST API (pickup and the waiting line redirect live calls).
 * Its base URL comes from TWILIO_API_BASE_URL, so the call simulator's fake API can stand in for
 * Twilio locally and in tests.
 */
export type TwilioApiConfig = {
  /** Default https://api.twilio.com. */
  baseUrl: string;
  accountSid: string;
  authToken: () => Promise<string>;
  /** Milliseconds before a request is given up; a webhook must still answer within Twilio's 15 s. */
  timeoutMs?: number;
};

/** Twilio refused a request (or could not be reached); `code` is Twilio's error code when it sent one. */
export class TwilioApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TwilioApiError';
  }
}

export type TwilioApi = {
  /** Send a live call to the TwiML at `url` at once (the caller's parent call, never a child leg). */
  redirectCall(callSid: string, url: string): Promise<void>;
  /** Replace a live call's TwiML with `twiml` (at most 4000 characters, absolute URLs only). */
  updateCallTwiml(callSid: string, twiml: string): Promise<void>;
  /** End a live call. */
  endCall(callSid: string): Promise<void>;
  /** Take a caller (or the front caller) out of a queue to run the TwiML at `url`. */
  dequeueMember(queueSid: string, callSid: string | 'Front', url: string): Promise<void>;
};

export function createTwilioApi(config: TwilioApiConfig): TwilioApi {
  const base = `${config.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}`;
  async function post(path: string, form: Record<string, string>): Promise<void> {
    // A REST request is a change too: none starts after the webhook answered (commons/budget.ts).
    assertWithinBudget();
    const token = await config.authToken();
    const budget = currentSignal();
    const timeout = AbortSignal.timeout(config.timeoutMs ?? 5000);
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${config.accountSid}:${token}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(form).toString(),
        signal: budget === undefined ? timeout : AbortSignal.any([timeout, budget]),
      });
    } catch (error) {
      throw new TwilioApiError(`Twilio's REST API could not be reached for ${path}`, 0, undefined, { cause: error });
    }
    if (response.ok) return;
    const body = (await response.json().catch(() => ({}))) as { code?: number; message?: string };
    throw new TwilioApiError(`Twilio refused POST ${path}: ${body.message ?? response.statusText}`, response.status, body.code);
  }
  return {
    redirectCall: (callSid, url) => post(`/Calls/${encodeURIComponent(callSid)}.json`, { Url: url, Method: 'POST' }),
    updateCallTwiml: (callSid, twiml) => post(`/Calls/${encodeURIComponent(callSid)}.json`, { Twiml: twiml }),
    endCall: (callSid) => post(`/Calls/${encodeURIComponent(callSid)}.json`, { Status: 'completed' }),
    dequeueMember: (queueSid, callSid, url) => post(`/Queues/${encodeURIComponent(queueSid)}/Members/${encodeURIComponent(callSid)}.json`, { Url: url, Method: 'POST' }),
  };
}
