import { createTwilioApi, TwilioApiError, type TwilioApi } from '../../functions/twilio-api/client.js';

/**
 * The project's REST client with the two call updates only the simulator's tests make (the project
 * itself never replaces a call's TwiML nor ends a call): they check that the fake REST API answers
 * them as Twilio does (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource).
 */
export type TestTwilioApi = TwilioApi & {
  /** Replace a live call's TwiML with `twiml` (at most 4000 characters, absolute URLs only). */
  updateCallTwiml(callSid: string, twiml: string): Promise<void>;
  /** End a live call. */
  endCall(callSid: string): Promise<void>;
};

export function createTestTwilioApi(config: Parameters<typeof createTwilioApi>[0]): TestTwilioApi {
  const updateCall = async (callSid: string, form: Record<string, string>): Promise<void> => {
    const path = `/2010-04-01/Accounts/${encodeURIComponent(config.accountSid)}/Calls/${encodeURIComponent(callSid)}.json`;
    const token = await config.authToken();
    const response = await fetch(`${config.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${config.accountSid}:${token}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });
    if (response.ok) return;
    const body = (await response.json().catch(() => ({}))) as { code?: number; message?: string };
    throw new TwilioApiError(`Twilio refused POST ${path}: ${body.message ?? response.statusText}`, response.status, body.code);
  };
  return {
    ...createTwilioApi(config),
    updateCallTwiml: (callSid, twiml) => updateCall(callSid, { Twiml: twiml }),
    endCall: (callSid) => updateCall(callSid, { Status: 'completed' }),
  };
}
