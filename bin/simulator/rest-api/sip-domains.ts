import { invalidWrite, listPage, newSid, notFound, rfc2822, unknownField, PAGING_FIELDS, type Answer, type Params } from './answers.js';
import { applyParams, writable, type FieldTable, type ResourceJson } from './resources.js';

/**
 * The SIP Domains resource (https://www.twilio.com/docs/voice/sip/api/sip-domain-resource): listed
 * (no filter but paging), fetched and updated by SID. Domains are not created here: creating one
 * also needs its authentication (credential lists, IP access lists), which a test seeds instead.
 */

/** A SIP domain the account has, as a test seeds it. */
export type SipDomainSeed = {
  readonly domainName: string;
  readonly sid?: string;
  readonly voiceUrl?: string;
  readonly voiceMethod?: string;
};

const FIELDS: FieldTable = {
  FriendlyName: 'friendly_name',
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  VoiceStatusCallbackUrl: 'voice_status_callback_url',
  VoiceStatusCallbackMethod: 'voice_status_callback_method',
  SipRegistration: 'sip_registration',
  EmergencyCallingEnabled: 'emergency_calling_enabled',
  Secure: 'secure',
  ByocTrunkSid: 'byoc_trunk_sid',
  EmergencyCallerSid: 'emergency_caller_sid',
};
const UPDATE_FIELDS = writable(FIELDS, 'DomainName');
const LIST_FIELDS = new Set(PAGING_FIELDS);
const METHOD_FIELDS = ['VoiceMethod', 'VoiceFallbackMethod', 'VoiceStatusCallbackMethod'];
const URL_FIELDS = ['VoiceUrl', 'VoiceFallbackUrl', 'VoiceStatusCallbackUrl'];

export function sipDomainResource(accountSid: string, seed: SipDomainSeed, now: Date): ResourceJson {
  const sid = seed.sid ?? newSid('SD');
  const uri = `/2010-04-01/Accounts/${accountSid}/SIP/Domains/${sid}`;
  return {
    sid,
    account_sid: accountSid,
    domain_name: seed.domainName,
    friendly_name: seed.domainName,
    api_version: '2010-04-01',
    auth_type: 'CREDENTIAL_LIST',
    voice_url: seed.voiceUrl ?? null,
    voice_method: seed.voiceMethod ?? 'POST',
    voice_fallback_url: null,
    voice_fallback_method: 'POST',
    voice_status_callback_url: null,
    voice_status_callback_method: 'POST',
    sip_registration: true,
    emergency_calling_enabled: false,
    secure: false,
    byoc_trunk_sid: null,
    emergency_caller_sid: null,
    date_created: rfc2822(now),
    date_updated: rfc2822(now),
    uri: `${uri}.json`,
    subresource_uris: {
      credential_list_mappings: `${uri}/CredentialListMappings.json`,
      ip_access_control_list_mappings: `${uri}/IpAccessControlListMappings.json`,
    },
  };
}

export function listSipDomains(domains: ReadonlyMap<string, ResourceJson>, accountSid: string, params: Params): Answer {
  const invalid = unknownField(params, LIST_FIELDS);
  if (invalid !== undefined) return invalid;
  return listPage(params, [...domains.values()], 'domains', `/2010-04-01/Accounts/${accountSid}/SIP/Domains.json`);
}

export function fetchSipDomain(domains: ReadonlyMap<string, ResourceJson>, sid: string): Answer {
  const domain = domains.get(sid);
  return domain === undefined ? notFound(`/SIP/Domains/${sid}.json`) : { status: 200, body: domain };
}

export function updateSipDomain(domains: Map<string, ResourceJson>, sid: string, params: Params, now: Date): Answer {
  const invalid = invalidWrite(params, UPDATE_FIELDS, METHOD_FIELDS, URL_FIELDS);
  if (invalid !== undefined) return invalid;
  const domain = domains.get(sid);
  if (domain === undefined) return notFound(`/SIP/Domains/${sid}.json`);
  applyParams(domain, params, FIELDS, now);
  if (params.DomainName !== undefined) domain.domain_name = params.DomainName;
  return { status: 200, body: domain };
}
