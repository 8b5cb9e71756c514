import type { VoiceConfig } from './config.js';

/**
 * The Twilio auth token: from `TWILIO_AUTH_TOKEN` (local stack, tests), else fetched once per
 * container from Secrets Manager. The SDK client is imported only on that path, so it costs nothing
 * where the token is given directly; a failed fetch is retried on the next request.
 */
export function authTokenProvider(config: VoiceConfig): () => Promise<string> {
  if (config.authToken !== undefined) {
    const token = config.authToken;
    return async () => token;
  }
  const secretArn = config.authTokenSecretArn;
  if (secretArn === undefined) throw new Error('no auth token configured');
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= fetchSecret(secretArn).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

async function fetchSecret(secretArn: string): Promise<string> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const { SecretString } = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
  const token = SecretString?.trim();
  if (token === undefined || token === '') throw new Error(`secret ${secretArn} holds no auth token`);
  return token;
}
