import * as z from 'zod';

/**
 * The three kinds of Twilio resource connect points at a deployment, their webhook settings in
 * camelCase, and each setting's Twilio parameter name: Twilio's names live here and in the schemas
 * below, nowhere else.
 */

/** IncomingPhoneNumber (https://www.twilio.com/docs/phone-numbers/api/incomingphonenumber-resource). */
export const NUMBER_PARAMETERS = {
  voiceUrl: 'VoiceUrl',
  voiceMethod: 'VoiceMethod',
  statusCallback: 'StatusCallback',
  statusCallbackMethod: 'StatusCallbackMethod',
  voiceFallbackUrl: 'VoiceFallbackUrl',
  voiceFallbackMethod: 'VoiceFallbackMethod',
  voiceApplicationSid: 'VoiceApplicationSid',
} as const;

/** Application, a TwiML App (https://www.twilio.com/docs/usage/api/applications). */
export const APPLICATION_PARAMETERS = {
  voiceUrl: 'VoiceUrl',
  voiceMethod: 'VoiceMethod',
  statusCallback: 'StatusCallback',
  statusCallbackMethod: 'StatusCallbackMethod',
  voiceFallbackUrl: 'VoiceFallbackUrl',
  voiceFallbackMethod: 'VoiceFallbackMethod',
} as const;

/** SIP Domain (https://www.twilio.com/docs/voice/sip/api/sip-domain-resource). */
export const SIP_DOMAIN_PARAMETERS = {
  voiceUrl: 'VoiceUrl',
  voiceMethod: 'VoiceMethod',
  voiceStatusCallbackUrl: 'VoiceStatusCallbackUrl',
  voiceStatusCallbackMethod: 'VoiceStatusCallbackMethod',
  voiceFallbackUrl: 'VoiceFallbackUrl',
  voiceFallbackMethod: 'VoiceFallbackMethod',
} as const;

export type NumberSettings = Record<keyof typeof NUMBER_PARAMETERS, string | undefined>;
export type ApplicationSettings = Record<keyof typeof APPLICATION_PARAMETERS, string | undefined>;
export type SipDomainSettings = Record<keyof typeof SIP_DOMAIN_PARAMETERS, string | undefined>;

export type TwilioNumber = {
  readonly sid: string;
  readonly phoneNumber: string;
  readonly settings: NumberSettings;
  /** A SIP trunk takes the number's calls instead of its URLs (Twilio ignores the voice URLs then). */
  readonly trunkSid: string | undefined;
  /** False for a number that cannot take calls (e.g. SMS only). */
  readonly voiceCapable: boolean;
};

export type TwimlApp = { readonly sid: string; readonly friendlyName: string; readonly settings: ApplicationSettings };

export type SipDomain = { readonly sid: string; readonly domainName: string; readonly settings: SipDomainSettings };

/** Twilio shows an unset URL or SID as null or as an empty string: both are "none". */
const optional = z
  .string()
  .nullish()
  .transform((value) => (value === null || value === undefined || value === '' ? undefined : value));

/** Twilio answers the parameter `VoiceFallbackUrl` as the field `voice_fallback_url`. */
function responseField(parameter: string): string {
  return parameter.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase();
}

/** The response fields of a resource's webhook settings, each "none" when unset. */
function settingsFields(parameters: Readonly<Record<string, string>>): Record<string, typeof optional> {
  return Object.fromEntries(Object.values(parameters).map((parameter) => [responseField(parameter), optional]));
}

/** The webhook settings of a parsed response, in camelCase. */
function settingsOf<P extends Readonly<Record<string, string>>>(
  parameters: P,
  entry: Readonly<Record<string, unknown>>,
): Record<keyof P, string | undefined> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, parameter]) => {
      const value = entry[responseField(parameter)];
      return [name, typeof value === 'string' ? value : undefined];
    }),
  ) as Record<keyof P, string | undefined>;
}

export const numberSchema = z
  .object({
    sid: z.string().min(1),
    phone_number: z.string().min(1),
    trunk_sid: optional,
    capabilities: z.object({ voice: z.boolean().optional() }).nullish(),
    ...settingsFields(NUMBER_PARAMETERS),
  })
  .transform((entry): TwilioNumber => ({
    sid: entry.sid,
    phoneNumber: entry.phone_number,
    settings: settingsOf(NUMBER_PARAMETERS, entry),
    trunkSid: entry.trunk_sid,
    voiceCapable: entry.capabilities?.voice !== false,
  }));

export const applicationSchema = z
  .object({ sid: z.string().min(1), friendly_name: z.string().nullable(), ...settingsFields(APPLICATION_PARAMETERS) })
  .transform((entry): TwimlApp => ({
    sid: entry.sid,
    friendlyName: entry.friendly_name ?? '',
    settings: settingsOf(APPLICATION_PARAMETERS, entry),
  }));

export const sipDomainSchema = z
  .object({ sid: z.string().min(1), domain_name: z.string().min(1), ...settingsFields(SIP_DOMAIN_PARAMETERS) })
  .transform((entry): SipDomain => ({ sid: entry.sid, domainName: entry.domain_name, settings: settingsOf(SIP_DOMAIN_PARAMETERS, entry) }));

/** The form of a write: each given setting by its Twilio name; a setting to clear is sent empty. */
export function formOf<Field extends string>(
  parameters: Readonly<Record<Field, string>>,
  settings: Partial<Record<Field, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries((Object.keys(settings) as Field[]).map((field) => [parameters[field], settings[field] ?? '']));
}
