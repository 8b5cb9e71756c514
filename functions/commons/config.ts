import * as z from 'zod';

/**
 * The environment, parsed once at module load so a misconfigured function fails at cold start with
 * a message naming the variable, not on the first call.
 */
const storeEnvSchema = z.object({
  TABLE_NAME: z.string().min(1, 'TABLE_NAME must name the DynamoDB table'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** Per-attempt DynamoDB timeout; the default suits DynamoDB in AWS (functions/store/client.ts). */
  DYNAMODB_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).optional(),
});

const voiceEnvSchema = z
  .object({
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_AUTH_TOKEN_SECRET_ARN: z.string().min(1).optional(),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-f]{32}$/, 'must be an Account SID (AC followed by 32 hex digits)')
      .optional(),
    TWILIO_API_BASE_URL: z
      .url()
      .transform((url) => url.replace(/\/+$/, ''))
      .default('https://api.twilio.com'),
    PUBLIC_BASE_URL: z
      .url()
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
    WEBHOOK_BUDGET_MS: z.coerce.number().int().min(500).max(14_000).default(2500),
  })
  .refine((env) => env.TWILIO_AUTH_TOKEN !== undefined || env.TWILIO_AUTH_TOKEN_SECRET_ARN !== undefined, {
    message: 'set TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_SECRET_ARN',
  });

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

function parse<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigurationError(
    `invalid environment: ${result.error.issues.map((issue) => `${issue.path.join('.') || 'env'}: ${issue.message}`).join('; ')}`,
  );
}

const store = parse(storeEnvSchema, process.env);
export const storeConfig = {
  tableName: store.TABLE_NAME,
  endpoint: store.DYNAMODB_ENDPOINT,
  region: store.AWS_REGION,
  requestTimeoutMs: store.DYNAMODB_REQUEST_TIMEOUT_MS,
};

export type VoiceConfig = {
  authToken?: string;
  authTokenSecretArn?: string;
  publicBaseUrl?: string;
  accountSid?: string;
  twilioApiBaseUrl: string;
  webhookBudgetMs: number;
};
export function readVoiceConfig(env: NodeJS.ProcessEnv = process.env): VoiceConfig {
  const voice = parse(voiceEnvSchema, env);
  return {
    ...(voice.TWILIO_AUTH_TOKEN === undefined ? {} : { authToken: voice.TWILIO_AUTH_TOKEN }),
    ...(voice.TWILIO_AUTH_TOKEN_SECRET_ARN === undefined ? {} : { authTokenSecretArn: voice.TWILIO_AUTH_TOKEN_SECRET_ARN }),
    ...(voice.PUBLIC_BASE_URL === undefined ? {} : { publicBaseUrl: voice.PUBLIC_BASE_URL }),
    ...(voice.TWILIO_ACCOUNT_SID === undefined ? {} : { accountSid: voice.TWILIO_ACCOUNT_SID }),
    twilioApiBaseUrl: voice.TWILIO_API_BASE_URL,
    webhookBudgetMs: voice.WEBHOOK_BUDGET_MS,
  };
}

/**
 * The REST API settings for a function that may move calls but does not answer webhooks (admin):
 * undefined when no auth token is configured. `VOICE_BASE_URL` is the public URL of /voice/.
 */
export function readTwilioApiConfig(env: NodeJS.ProcessEnv = process.env): (VoiceConfig & { voiceBaseUrl?: string }) | undefined {
  if (env.TWILIO_AUTH_TOKEN === undefined && env.TWILIO_AUTH_TOKEN_SECRET_ARN === undefined) return undefined;
  const voice = readVoiceConfig(env);
  const base = z.url().optional().safeParse(env.VOICE_BASE_URL);
  if (!base.success)
    throw new ConfigurationError(
      'invalid environment: VOICE_BASE_URL must be a URL such as https://abc.execute-api.eu-central-1.amazonaws.com/voice/',
    );
  return { ...voice, ...(base.data === undefined ? {} : { voiceBaseUrl: base.data.endsWith('/') ? base.data : `${base.data}/` }) };
}
