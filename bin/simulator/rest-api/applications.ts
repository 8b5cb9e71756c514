import {
  error,
  invalidWrite,
  listPage,
  newSid,
  notFound,
  rfc2822,
  unknownField,
  PAGING_FIELDS,
  type Answer,
  type Params,
} from './answers.js';
import { applyParams, writable, type FieldTable, type ResourceJson } from './resources.js';

/**
 * The Applications resource (TwiML Apps, https://www.twilio.com/docs/usage/api/applications): listed
 * (filtered by `FriendlyName`), created and updated by SID.
 */

const FIELDS: FieldTable = {
  FriendlyName: 'friendly_name',
  ApiVersion: 'api_version',
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  StatusCallback: 'status_callback',
  StatusCallbackMethod: 'status_callback_method',
  VoiceCallerIdLookup: 'voice_caller_id_lookup',
  SmsUrl: 'sms_url',
  SmsMethod: 'sms_method',
  SmsFallbackUrl: 'sms_fallback_url',
  SmsFallbackMethod: 'sms_fallback_method',
  SmsStatusCallback: 'sms_status_callback',
  MessageStatusCallback: 'message_status_callback',
  PublicApplicationConnectEnabled: 'public_application_connect_enabled',
};
const WRITE_FIELDS = writable(FIELDS);
const LIST_FIELDS = new Set(['FriendlyName', ...PAGING_FIELDS]);
const METHOD_FIELDS = ['VoiceMethod', 'VoiceFallbackMethod', 'StatusCallbackMethod', 'SmsMethod', 'SmsFallbackMethod'];
const URL_FIELDS = [
  'VoiceUrl',
  'VoiceFallbackUrl',
  'StatusCallback',
  'SmsUrl',
  'SmsFallbackUrl',
  'SmsStatusCallback',
  'MessageStatusCallback',
];
/** "Accounts can contain at most 1000 applications" (the Applications page). */
const MAX_APPLICATIONS = 1000;

function applicationResource(accountSid: string, now: Date): ResourceJson {
  const sid = newSid('AP');
  return {
    sid,
    account_sid: accountSid,
    friendly_name: null,
    api_version: '2010-04-01',
    voice_url: null,
    voice_method: 'POST',
    voice_fallback_url: null,
    voice_fallback_method: 'POST',
    status_callback: null,
    status_callback_method: 'POST',
    voice_caller_id_lookup: false,
    sms_url: null,
    sms_method: 'POST',
    sms_fallback_url: null,
    sms_fallback_method: 'POST',
    sms_status_callback: null,
    message_status_callback: null,
    public_application_connect_enabled: true,
    date_created: rfc2822(now),
    date_updated: rfc2822(now),
    uri: `/2010-04-01/Accounts/${accountSid}/Applications/${sid}.json`,
  };
}

export function listApplications(applications: ReadonlyMap<string, ResourceJson>, accountSid: string, params: Params): Answer {
  const invalid = unknownField(params, LIST_FIELDS);
  if (invalid !== undefined) return invalid;
  const matching = [...applications.values()].filter(
    (application) => params.FriendlyName === undefined || application.friendly_name === params.FriendlyName,
  );
  return listPage(params, matching, 'applications', `/2010-04-01/Accounts/${accountSid}/Applications.json`);
}

export function fetchApplication(applications: ReadonlyMap<string, ResourceJson>, sid: string): Answer {
  const application = applications.get(sid);
  return application === undefined ? notFound(`/Applications/${sid}.json`) : { status: 200, body: application };
}

/** POST /Applications.json: a new TwiML App, answered 201 Created. */
export function createApplication(applications: Map<string, ResourceJson>, accountSid: string, params: Params, now: Date): Answer {
  const invalid = invalidWrite(params, WRITE_FIELDS, METHOD_FIELDS, URL_FIELDS);
  if (invalid !== undefined) return invalid;
  if (applications.size >= MAX_APPLICATIONS) return error(400, 20001, `An account can hold at most ${MAX_APPLICATIONS} applications`);
  const application = applicationResource(accountSid, now);
  applyParams(application, params, FIELDS, now);
  applications.set(application.sid, application);
  return { status: 201, body: application };
}

export function updateApplication(applications: Map<string, ResourceJson>, sid: string, params: Params, now: Date): Answer {
  const invalid = invalidWrite(params, WRITE_FIELDS, METHOD_FIELDS, URL_FIELDS);
  if (invalid !== undefined) return invalid;
  const application = applications.get(sid);
  if (application === undefined) return notFound(`/Applications/${sid}.json`);
  applyParams(application, params, FIELDS, now);
  return { status: 200, body: application };
}
