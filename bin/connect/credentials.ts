import * as z from 'zod';
import { UsageError } from './errors.js';

/**
 * Who connect is to Twilio, from the environment only (a secret on the command line would stay in the
 * shell's history): the account SID names the account in every path; the requests are signed with
 * HTTP Basic auth, either an API key SID and secret (Twilio's advice for production) or the account
 * SID and auth token (https://www.twilio.com/docs/usage/requests-to-twilio).
 */
export type TwilioCredentials = {
  readonly apiBaseUrl: string;
  readonly accountSid: string;
  /** Basic auth user: the API key SID, or the account SID. */
  readonly username: string;
  readonly password: string;
};

const DEFAULT_API_BASE_URL = 'https://api.twilio.com';

const environmentSchema = z
  .object({
    TWILIO_ACCOUNT_SID: z.string({ error: 'TWILIO_ACCOUNT_SID is not set (the account SID, AC...)' }).regex(/^AC[0-9a-fA-F]{32}$/, {
      error: 'TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits',
    }),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_API_KEY: z
      .string()
      .regex(/^SK[0-9a-fA-F]{32}$/, { error: 'TWILIO_API_KEY must be SK followed by 32 hex digits' })
      .optional(),
    TWILIO_API_SECRET: z.string().min(1).optional(),
    TWILIO_API_BASE_URL: z.url({ protocol: /^https?$/, error: 'TWILIO_API_BASE_URL must be an http(s) URL' }).optional(),
  })
  .refine((env) => (env.TWILIO_API_KEY === undefined) === (env.TWILIO_API_SECRET === undefined), {
    error: 'set TWILIO_API_KEY and TWILIO_API_SECRET together',
  })
  .refine((env) => env.TWILIO_API_KEY !== undefined || env.TWILIO_AUTH_TOKEN !== undefined, {
    error: 'no Twilio credentials: set TWILIO_AUTH_TOKEN, or TWILIO_API_KEY and TWILIO_API_SECRET',
  });

export function twilioCredentials(environment: NodeJS.ProcessEnv): TwilioCredentials {
  // An empty variable counts as unset, as a shell's `VAR= npm run connect` means.
  const given = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environmentSchema.safeParse(given);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid Twilio environment');
  const env = parsed.data;
  const apiKey =
    env.TWILIO_API_KEY !== undefined && env.TWILIO_API_SECRET !== undefined
      ? { sid: env.TWILIO_API_KEY, secret: env.TWILIO_API_SECRET }
      : undefined;
  return {
    apiBaseUrl: (env.TWILIO_API_BASE_URL ?? DEFAULT_API_BASE_URL).replace(/\/+$/, ''),
    accountSid: env.TWILIO_ACCOUNT_SID,
    username: apiKey?.sid ?? env.TWILIO_ACCOUNT_SID,
    password: apiKey?.secret ?? env.TWILIO_AUTH_TOKEN ?? '',
  };
}
