import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import middy from '@middy/core';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { localContext, toLambdaEvent } from '../../bin/local/lambda-event.js';
import { AUTH_TOKEN_MAX_AGE_SECONDS, AUTH_TOKEN_REREAD_INTERVAL_SECONDS, authTokenProvider } from '../../functions/commons/auth-token.js';
import type { VoiceConfig } from '../../functions/commons/config.js';
import { twilioFormBody } from '../../functions/middleware/twilio-form-body.js';
import { twilioSignature } from '../../functions/middleware/twilio-signature.js';
import type { HttpResult, VoiceEvent } from '../../functions/middleware/voice-event.js';

/**
 * A stand-in for Secrets Manager speaking its JSON protocol (GetSecretValue only): each secret's value
 * can change, or the next read can fail, and every read is counted.
 */
class FakeSecretsManager {
  readonly values = new Map<string, string>();
  readonly reads: string[] = [];
  failNext = 0;
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '');
        const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
        const value = SecretId === undefined ? undefined : this.values.get(SecretId);
        if (target !== 'secretsmanager.GetSecretValue' || SecretId === undefined || value === undefined || this.failNext > 0) {
          this.failNext = Math.max(0, this.failNext - 1);
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(
            JSON.stringify({ __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }),
          );
          return;
        }
        this.reads.push(SecretId);
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify({
            ARN: SecretId,
            Name: 'twilio-auth-token',
            VersionId: `v${this.reads.length}`,
            SecretString: value,
            VersionStages: ['AWSCURRENT'],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server === undefined ? resolve() : this.server.close(() => resolve())));
  }
}

const secretsManager = new FakeSecretsManager();
let secrets = 0;

/** A new secret (its own cache entry) holding `value`, and the configuration that names it. */
function secretConfig(value: string): { arn: string; config: VoiceConfig } {
  secrets += 1;
  const arn = `arn:aws:secretsmanager:eu-central-1:123456789012:secret:twilio-auth-token-${secrets}`;
  secretsManager.values.set(arn, value);
  return { arn, config: { authTokenSecretArn: arn, twilioApiBaseUrl: 'https://api.twilio.com', webhookBudgetMs: 2500 } };
}

const T0 = new Date('2026-08-04T10:00:00Z').getTime();
const at = (seconds: number): void => {
  vi.setSystemTime(T0 + seconds * 1000);
};

describe('authTokenProvider', () => {
  beforeAll(async () => {
    // The SDK client Powertools Parameters creates at the first read finds the endpoint here.
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = await secretsManager.start();
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
    await secretsManager.stop();
  });
  beforeEach(() => {
    // Only Date: the HTTP requests still run on real timers.
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
  });
  afterEach(() => vi.useRealTimers());

  it('gives TWILIO_AUTH_TOKEN as it is, never reading a secret', async () => {
    const authToken = authTokenProvider({ authToken: 'local-token', twilioApiBaseUrl: 'https://api.twilio.com', webhookBudgetMs: 2500 });

    expect(await authToken()).toBe('local-token');
    expect(await authToken.reread()).toBeUndefined();
  });

  it('uses the token read for 5 minutes, and the rotated one after', async () => {
    const { arn, config } = secretConfig('old-token\n');
    const authToken = authTokenProvider(config);

    expect(await authToken()).toBe('old-token');
    secretsManager.values.set(arn, 'new-token');
    at(AUTH_TOKEN_MAX_AGE_SECONDS - 1);
    expect(await authToken()).toBe('old-token');
    at(AUTH_TOKEN_MAX_AGE_SECONDS + 1);
    expect(await authToken()).toBe('new-token');
    expect(secretsManager.reads.filter((read) => read === arn)).toHaveLength(2);
  });

  it('reads again on the next request after a failed read', async () => {
    const { arn, config } = secretConfig('the-token');
    const authToken = authTokenProvider(config);
    // Failing however often the SDK tries.
    secretsManager.failNext = 10;

    await expect(authToken()).rejects.toThrow(/can't find the specified secret/);
    secretsManager.failNext = 0;
    expect(await authToken()).toBe('the-token');
    expect(secretsManager.reads.filter((read) => read === arn)).toHaveLength(1);
  });

  it('rereads at once when asked, but not twice within the interval', async () => {
    const { arn, config } = secretConfig('old-token');
    const authToken = authTokenProvider(config);
    expect(await authToken()).toBe('old-token');
    secretsManager.values.set(arn, 'new-token');

    at(AUTH_TOKEN_REREAD_INTERVAL_SECONDS - 1);
    expect(await authToken.reread()).toBeUndefined();
    at(AUTH_TOKEN_REREAD_INTERVAL_SECONDS + 1);
    expect(await authToken.reread()).toBe('new-token');
    // The cache holds the new token now.
    expect(await authToken()).toBe('new-token');
    expect(await authToken.reread()).toBeUndefined();
    expect(secretsManager.reads.filter((read) => read === arn)).toHaveLength(2);
  });

  describe('with the signature check', () => {
    const url = 'https://voice.example.test/voice/status';
    const params = { CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'completed' };
    const post = (chain: ReturnType<typeof checkedBy>, token: string): Promise<HttpResult> =>
      chain(
        toLambdaEvent({
          method: 'POST',
          rawPath: '/voice/status',
          rawQueryString: '',
          headers: {
            host: 'voice.example.test',
            'content-type': 'application/x-www-form-urlencoded',
            'x-twilio-signature': getExpectedTwilioSignature(token, url, params),
          },
          body: new URLSearchParams(params).toString(),
        }) as VoiceEvent,
        localContext('voice'),
      );
    const checkedBy = (authToken: ReturnType<typeof authTokenProvider>) =>
      middy<VoiceEvent, HttpResult>(async () => ({ statusCode: 200, body: 'ok' }))
        .use(twilioFormBody())
        .use(twilioSignature({ authToken, publicBaseUrl: 'https://voice.example.test' }));

    it('accepts a request signed with a token rotated since the cached one was read', async () => {
      const { arn, config } = secretConfig('old-token');
      const chain = checkedBy(authTokenProvider(config));
      expect((await post(chain, 'old-token')).statusCode).toBe(200);

      // Rotated in Twilio and in the secret; the cached token is a minute old.
      secretsManager.values.set(arn, 'new-token');
      at(60);
      expect((await post(chain, 'new-token')).statusCode).toBe(200);
      expect((await post(chain, 'old-token')).statusCode).toBe(403);
      expect(secretsManager.reads.filter((read) => read === arn)).toHaveLength(2);
    });

    it('does not read the secret for every forged request', async () => {
      const { arn, config } = secretConfig('the-token');
      const authToken = authTokenProvider(config);
      const chain = checkedBy(authToken);
      expect(await authToken()).toBe('the-token');
      at(AUTH_TOKEN_REREAD_INTERVAL_SECONDS + 1);

      for (let forged = 0; forged < 5; forged += 1) expect((await post(chain, 'forged-token')).statusCode).toBe(403);
      // The first read, and one forced read for the first forgery.
      expect(secretsManager.reads.filter((read) => read === arn)).toHaveLength(2);
    });
  });
});
