import type { VoiceConfig } from './config.js';

/** Seconds a token read from Secrets Manager is used before it is read again: a rotation takes effect within this. */
export const AUTH_TOKEN_MAX_AGE_SECONDS = 300;

/**
 * Seconds between two reads of the secret that a signature mismatch forces (`reread`): a request
 * with a wrong signature can cost at most one Secrets Manager read per this many seconds per container.
 */
export const AUTH_TOKEN_REREAD_INTERVAL_SECONDS = 30;

/** The auth token, and a way to read it again at once when Twilio's signature says it changed. */
export type AuthTokenProvider = (() => Promise<string>) & {
  /**
   * Read the secret again now, unless it was read less than AUTH_TOKEN_REREAD_INTERVAL_SECONDS ago
   * or the token is given directly: the token read, else undefined.
   */
  reread: () => Promise<string | undefined>;
};

/**
 * The Twilio auth token: from `TWILIO_AUTH_TOKEN` (local stack, tests), else from the Secrets Manager
 * secret `TWILIO_AUTH_TOKEN_SECRET_ARN` through Powertools Parameters, cached for
 * AUTH_TOKEN_MAX_AGE_SECONDS, so a rotated secret takes effect within 5 minutes without a deployment.
 * Parameters and its SDK client are imported only on that path, at the first request; a failed read
 * is not cached, so the next request tries again.
 */
export function authTokenProvider(config: VoiceConfig): AuthTokenProvider {
  if (config.authToken !== undefined) {
    const token = config.authToken;
    return Object.assign(async () => token, { reread: async () => undefined });
  }
  const secretArn = config.authTokenSecretArn;
  if (secretArn === undefined) throw new Error('no auth token configured');
  /** When this container last read the secret itself (epoch ms): the first read, or a forced one. */
  let lastReadAt: number | undefined;
  const read = async (forceFetch: boolean): Promise<string> => {
    const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
    const readAt = Date.now();
    const value = await getSecret(secretArn, { maxAge: AUTH_TOKEN_MAX_AGE_SECONDS, forceFetch });
    const token = typeof value === 'string' ? value.trim() : '';
    if (token === '') throw new Error(`secret ${secretArn} holds no auth token`);
    if (forceFetch || lastReadAt === undefined) lastReadAt = readAt;
    return token;
  };
  const reread = async (): Promise<string | undefined> => {
    if (lastReadAt !== undefined && Date.now() - lastReadAt < AUTH_TOKEN_REREAD_INTERVAL_SECONDS * 1000) return undefined;
    return read(true);
  };
  return Object.assign(() => read(false), { reread });
}
