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
 * The IncomingPhoneNumbers resource (https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource):
 * the account's own numbers, listed (filtered by `PhoneNumber`, partial, `*` for any digit), fetched
 * and updated by SID. Numbers are not bought here: a test seeds the ones the account owns.
 */

/** A number the account owns, as a test seeds it; unset URLs are empty, as on a new Twilio number. */
export type OwnedNumberSeed = {
  readonly phoneNumber: string;
  readonly sid?: string;
  readonly voiceUrl?: string;
  readonly voiceMethod?: string;
  readonly statusCallback?: string;
  readonly voiceFallbackUrl?: string;
  /** A TwiML App that handles the number's calls instead of its own URLs. */
  readonly voiceApplicationSid?: string;
  /** A SIP trunk that handles the number's calls instead of its URLs and application. */
  readonly trunkSid?: string;
  /** Whether it can take calls (default true). */
  readonly voice?: boolean;
};

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
  VoiceApplicationSid: 'voice_application_sid',
  TrunkSid: 'trunk_sid',
  VoiceReceiveMode: 'voice_receive_mode',
  SmsUrl: 'sms_url',
  SmsMethod: 'sms_method',
  SmsFallbackUrl: 'sms_fallback_url',
  SmsFallbackMethod: 'sms_fallback_method',
  SmsApplicationSid: 'sms_application_sid',
  EmergencyStatus: 'emergency_status',
  EmergencyAddressSid: 'emergency_address_sid',
  IdentitySid: 'identity_sid',
  AddressSid: 'address_sid',
  BundleSid: 'bundle_sid',
};
const UPDATE_FIELDS = writable(FIELDS);
const LIST_FIELDS = new Set(['Beta', 'FriendlyName', 'PhoneNumber', 'Origin', ...PAGING_FIELDS]);
const METHOD_FIELDS = ['VoiceMethod', 'VoiceFallbackMethod', 'StatusCallbackMethod', 'SmsMethod', 'SmsFallbackMethod'];
const URL_FIELDS = ['VoiceUrl', 'VoiceFallbackUrl', 'StatusCallback', 'SmsUrl', 'SmsFallbackUrl'];

export function phoneNumberResource(accountSid: string, seed: OwnedNumberSeed, now: Date): ResourceJson {
  const sid = seed.sid ?? newSid('PN');
  const voice = seed.voice ?? true;
  return {
    sid,
    account_sid: accountSid,
    phone_number: seed.phoneNumber,
    friendly_name: seed.phoneNumber,
    api_version: '2010-04-01',
    voice_url: seed.voiceUrl ?? '',
    voice_method: seed.voiceMethod ?? 'POST',
    voice_fallback_url: seed.voiceFallbackUrl ?? '',
    voice_fallback_method: 'POST',
    status_callback: seed.statusCallback ?? '',
    status_callback_method: 'POST',
    voice_caller_id_lookup: false,
    voice_application_sid: seed.voiceApplicationSid ?? null,
    trunk_sid: seed.trunkSid ?? null,
    voice_receive_mode: 'voice',
    sms_url: '',
    sms_method: 'POST',
    sms_fallback_url: '',
    sms_fallback_method: 'POST',
    sms_application_sid: null,
    capabilities: { voice, sms: true, mms: true, fax: false },
    origin: 'twilio',
    status: 'in-use',
    date_created: rfc2822(now),
    date_updated: rfc2822(now),
    uri: `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers/${sid}.json`,
  };
}

/** `PhoneNumber` matches partial numbers, `*` standing for any digit. */
function matchesNumber(filter: string, phoneNumber: string): boolean {
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[0-9]');
  return new RegExp(pattern).test(phoneNumber);
}

export function listPhoneNumbers(numbers: ReadonlyMap<string, ResourceJson>, accountSid: string, params: Params): Answer {
  const invalid = unknownField(params, LIST_FIELDS);
  if (invalid !== undefined) return invalid;
  const matching = [...numbers.values()].filter(
    (number) =>
      (params.PhoneNumber === undefined || matchesNumber(params.PhoneNumber, String(number.phone_number))) &&
      (params.FriendlyName === undefined || number.friendly_name === params.FriendlyName),
  );
  return listPage(params, matching, 'incoming_phone_numbers', `/2010-04-01/Accounts/${accountSid}/IncomingPhoneNumbers.json`);
}

export function fetchPhoneNumber(numbers: ReadonlyMap<string, ResourceJson>, sid: string): Answer {
  const number = numbers.get(sid);
  return number === undefined ? notFound(`/IncomingPhoneNumbers/${sid}.json`) : { status: 200, body: number };
}

/**
 * POST /IncomingPhoneNumbers/{Sid}.json. Setting an application removes the trunk and the other way
 * round, as Twilio documents.
 */
export function updatePhoneNumber(numbers: Map<string, ResourceJson>, sid: string, params: Params, now: Date): Answer {
  const invalid = invalidWrite(params, UPDATE_FIELDS, METHOD_FIELDS, URL_FIELDS);
  if (invalid !== undefined) return invalid;
  const number = numbers.get(sid);
  if (number === undefined) return notFound(`/IncomingPhoneNumbers/${sid}.json`);
  for (const [field, prefix] of [
    ['VoiceApplicationSid', 'AP'],
    ['TrunkSid', 'TK'],
  ] as const) {
    const value = params[field];
    if (value !== undefined && value !== '' && !new RegExp(`^${prefix}[0-9a-f]{32}$`).test(value))
      return error(400, 20001, `${field} is not a valid SID: ${value}`);
  }
  applyParams(number, params, FIELDS, now);
  if (params.VoiceApplicationSid !== undefined && params.VoiceApplicationSid !== '') number.trunk_sid = null;
  if (params.TrunkSid !== undefined && params.TrunkSid !== '') number.voice_application_sid = null;
  return { status: 200, body: number };
}
