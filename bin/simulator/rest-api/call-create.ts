import { E164 } from '../account-numbers.js';
import type { CallRequest, Simulation } from '../engine.js';
import { absoluteUrl, badMethod, error, type Answer, type Params } from './answers.js';
import { callJson } from './call-json.js';
import { MAX_INLINE_TWIML } from './calls.js';

/**
 * POST /2010-04-01/Accounts/{AccountSid}/Calls.json: the project creates a call
 * (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource). The request is
 * checked as Twilio checks it, each problem answered with Twilio's error code:
 *
 * - 21201 no `To` (https://www.twilio.com/docs/api/errors/21201), 21213 no `From`
 *   (https://www.twilio.com/docs/api/errors/21213), 21205 neither `Url` nor `Twiml` ("Url parameter
 *   is required", as Twilio words it) or a `Url`/`FallbackUrl` that is not an absolute http(s) URL
 *   (https://www.twilio.com/docs/api/errors/21205), 21609 a bad `StatusCallback`
 *   (https://www.twilio.com/docs/api/errors/21609), 21626 a `StatusCallbackEvent` other than
 *   initiated, ringing, answered, completed (https://www.twilio.com/docs/api/errors/21626), 21208 a
 *   `Timeout` that is not a positive whole number (https://www.twilio.com/docs/api/errors/21208).
 * - 21211 a `To` that is neither `client:<identity>`, a `sip:` URI nor an E.164 number, or the same
 *   as `From` (https://www.twilio.com/docs/api/errors/21211); 21212 a `From` that is not a phone
 *   number when `To` is one ("If the `to` parameter is a phone number, `From` must also be a phone
 *   number"); 21210 a `From` number that is not one of the account's numbers or verified caller IDs
 *   (https://www.twilio.com/docs/api/errors/21210).
 * - `Url` and `Twiml` together: Twilio uses `Url` ("If both `twiml` and `url` are provided then
 *   `twiml` parameter will be ignored"); `Twiml` longer than 4000 characters is refused as for an update.
 *
 * The answer is 201 with the Call resource, `status` `queued`, `direction` `outbound-api`, and
 * `queue_time` the milliseconds until it starts (CPS). Parameters the simulator does not play are
 * refused (Twilio would act on them; the fake cannot), as are names Twilio does not know.
 */

const CREATE_FIELDS = new Set([
  'To',
  'From',
  'Url',
  'Method',
  'Twiml',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackMethod',
  'StatusCallbackEvent',
  'Timeout',
]);
/** Parameters Twilio documents for a create that the simulation does not play. */
const NOT_PLAYED = new Set([
  'ApplicationSid',
  'SendDigits',
  'Record',
  'RecordingChannels',
  'RecordingStatusCallback',
  'RecordingStatusCallbackMethod',
  'RecordingStatusCallbackEvent',
  'RecordingConfigurationId',
  'RecordingTrack',
  'Trim',
  'SipAuthUsername',
  'SipAuthPassword',
  'MachineDetection',
  'MachineDetectionTimeout',
  'MachineDetectionSpeechThreshold',
  'MachineDetectionSpeechEndThreshold',
  'MachineDetectionSilenceTimeout',
  'AsyncAmd',
  'AsyncAmdStatusCallback',
  'AsyncAmdStatusCallbackMethod',
  'CallerId',
  'Passports',
  'Byoc',
  'CallReason',
  'CallToken',
  'TimeLimit',
  'ClientNotificationUrl',
]);
const EVENTS = ['initiated', 'ringing', 'answered', 'completed'];
/** Twilio's default and largest `Timeout` (the create parameters of the Call resource page). */
const DEFAULT_TIMEOUT = 60;
const MAX_TIMEOUT = 600;

/** The kind of address a `To` is; undefined when it is none Twilio can call. */
function addressKind(to: string): 'client' | 'sip' | 'phone' | undefined {
  if (/^client:[^\s]+$/.test(to)) return 'client';
  if (/^sips?:[^\s@]+@[^\s]+$/.test(to)) return 'sip';
  if (E164.test(to)) return 'phone';
  return undefined;
}

/**
 * Creates the call in the simulation. `params` holds each name's last value; `lists` every value of
 * the names that came more than once (`StatusCallbackEvent` is repeated, one event a parameter).
 */
export function createCall(
  simulation: Simulation | undefined,
  accountSid: string,
  params: Params,
  lists: Readonly<Record<string, readonly string[]>>,
): Answer {
  const unknown = Object.keys(params).find((name) => !CREATE_FIELDS.has(name));
  if (unknown !== undefined)
    return NOT_PLAYED.has(unknown)
      ? error(400, 20001, `${unknown}: Twilio knows this parameter, but the simulator does not play it`)
      : error(400, 20001, `Unknown parameter: ${unknown}`);
  if (simulation === undefined) return error(400, 21200, 'This account has no simulation to place calls in');
  const { To: to, From: from, Url: url, Twiml: twiml } = params;
  if (to === undefined || to === '') return error(400, 21201, "No 'To' number is specified");
  if (from === undefined || from === '') return error(400, 21213, "No 'From' number is specified");
  if ((url === undefined || url === '') && (twiml === undefined || twiml === ''))
    return error(400, 21205, 'Url parameter is required. For more information, see http://www.twilio.com/docs/api/twiml');
  const badMethods = badMethod(params, 'Method') ?? badMethod(params, 'FallbackMethod') ?? badMethod(params, 'StatusCallbackMethod');
  if (badMethods !== undefined) return badMethods;
  for (const field of ['Url', 'FallbackUrl']) {
    const value = params[field];
    if (value !== undefined && value !== '' && !absoluteUrl(value)) return error(400, 21205, `${field} is not a valid URL: ${value}`);
  }
  const statusCallback = params.StatusCallback;
  if (statusCallback !== undefined && statusCallback !== '' && !absoluteUrl(statusCallback))
    return error(400, 21609, `The StatusCallback URL ${statusCallback} is not a valid URL.`);
  const events = lists.StatusCallbackEvent ?? (params.StatusCallbackEvent === undefined ? [] : [params.StatusCallbackEvent]);
  const badEvent = events.find((event) => !EVENTS.includes(event));
  if (badEvent !== undefined)
    return error(400, 21626, `Invalid StatusCallbackEvent ${badEvent}: each must be one of ${EVENTS.join(', ')}, one a parameter`);
  const timeoutText = params.Timeout;
  if (timeoutText !== undefined && (!/^[0-9]+$/.test(timeoutText) || Number(timeoutText) < 1))
    return error(400, 21208, `Timeout must be a positive whole number of seconds, not ${timeoutText}`);
  if (twiml !== undefined && twiml.length > MAX_INLINE_TWIML)
    return error(400, 21218, `Twiml is ${twiml.length} characters; at most ${MAX_INLINE_TWIML} are allowed`);
  const kind = addressKind(to);
  if (kind === undefined) return error(400, 21211, `The 'To' number ${to} is not a valid phone number, client identifier or SIP URI.`);
  if (to === from) return error(400, 21211, `The 'To' number ${to} is the 'From' number: a number cannot call itself.`);
  if (kind === 'phone' && !E164.test(from))
    return error(400, 21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  if (E164.test(from) && !simulation.isAccountNumber(from))
    return error(400, 21210, `The source phone number provided, ${from}, is not yet verified for your account.`);
  const useUrl = url !== undefined && url !== '';
  const request: CallRequest = {
    to,
    from,
    ...(useUrl ? { url } : { twiml }),
    method: params.Method === 'GET' ? 'GET' : 'POST',
    ...(statusCallback === undefined || statusCallback === '' ? {} : { statusCallback }),
    statusCallbackMethod: params.StatusCallbackMethod === 'GET' ? 'GET' : 'POST',
    // "If no status_callback_event is specified, we will send the completed status."
    statusCallbackEvents: events.length === 0 ? ['completed'] : events,
    timeout: Math.min(timeoutText === undefined ? DEFAULT_TIMEOUT : Number(timeoutText), MAX_TIMEOUT),
  };
  const created = simulation.createCall(request);
  return {
    status: 201,
    body: callJson(accountSid, {
      sid: created.sid,
      status: 'queued',
      from,
      to,
      direction: 'outbound-api',
      created: simulation.date(created.requestedAt),
      queueTimeMs: Math.round((created.startsAt - created.requestedAt) * 1000),
    }),
    createdCall: created,
  };
}
