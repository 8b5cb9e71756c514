import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signerFor } from '../../bin/admin/client.js';
import { freePort } from '../../bin/local/dynamodb-local.js';
import {
  type KeyValueStorage,
  authorizeUrl,
  codeChallenge,
  codeVerifier,
  CognitoSession,
  identityCredentials,
  RENEW_BEFORE_MS,
} from '../../console/src/auth.js';
import type { CognitoSettings } from '../../console/src/config.js';
import { parseConfig } from '../../console/src/config.js';
import { lambdaSigner, signedHeaders } from '../../console/src/signer.js';

/**
 * The deployed console's sign-in, without AWS: the hosted UI's token endpoint and Cognito Identity
 * are played by a local HTTP server that records what it was sent. What only AWS can show (the hosted
 * UI's pages, a real identity pool's role) is not tested here.
 */
type Seen = { path: string; headers: IncomingMessage['headers']; body: string };

let server: Server;
let base: string;
const seen: Seen[] = [];
let credentialsIssued = 0;

const settings = (): CognitoSettings => ({
  kind: 'cognito',
  region: 'eu-central-1',
  userPoolId: 'eu-central-1_Abc123',
  userPoolClientId: 'client123',
  identityPoolId: 'eu-central-1:11111111-2222-3333-4444-555555555555',
  domain: `${base}/hosted`,
});

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ path: request.url ?? '', headers: request.headers, body });
      response.setHeader('content-type', 'application/json');
      if (request.url === '/hosted/oauth2/token') {
        const form = new URLSearchParams(body);
        response.end(
          JSON.stringify({
            id_token: form.get('grant_type') === 'refresh_token' ? 'id-token-2' : 'id-token-1',
            access_token: 'access',
            ...(form.get('grant_type') === 'refresh_token' ? {} : { refresh_token: 'refresh-1' }),
            expires_in: 3600,
            token_type: 'Bearer',
          }),
        );
      } else if (request.url === '/identity/' && request.headers['x-amz-target'] === 'AWSCognitoIdentityService.GetId') {
        response.end(JSON.stringify({ IdentityId: 'eu-central-1:identity-1' }));
      } else if (
        request.url === '/identity/' &&
        request.headers['x-amz-target'] === 'AWSCognitoIdentityService.GetCredentialsForIdentity'
      ) {
        credentialsIssued += 1;
        response.end(
          JSON.stringify({
            IdentityId: 'eu-central-1:identity-1',
            Credentials: {
              AccessKeyId: `ASIA${credentialsIssued}`,
              SecretKey: 'secret',
              SessionToken: 'session',
              Expiration: Math.floor(Date.now() / 1000) + 3600,
            },
          }),
        );
      } else {
        response.statusCode = 400;
        response.end(JSON.stringify({ __type: 'NotAuthorizedException', message: 'unexpected request' }));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function memoryStorage(): KeyValueStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('PKCE', () => {
  it('makes a 43-character base64url verifier and its S256 challenge', async () => {
    // Prepare
    const verifier = codeVerifier();

    // Act
    const challenge = await codeChallenge(verifier);

    // Assess: the verifier's shape, and its challenge as Node's own SHA-256 computes it.
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(codeVerifier()).not.toBe(verifier);
  });

  it('sends the hosted UI the code flow with the S256 challenge', () => {
    const url = new URL(authorizeUrl(settings(), 'https://console.example/', 'state-1', 'challenge-1'));
    expect(`${url.origin}${url.pathname}`).toBe(`${base}/hosted/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client123',
      redirect_uri: 'https://console.example/',
      scope: 'openid',
      state: 'state-1',
      code_challenge_method: 'S256',
      code_challenge: 'challenge-1',
    });
  });
});

describe('CognitoSession', () => {
  it('signs in through the hosted UI, exchanges the code with the verifier and gets credentials from the identity pool', async () => {
    // Prepare: the sign-in starts here and the hosted UI comes back with a code.
    seen.length = 0;
    const storage = memoryStorage();
    let page = 'https://console.example/#/wallboard';
    let left = '';
    const env = {
      fetch: (input: Parameters<typeof fetch>[0], init?: RequestInit) => fetch(input, init),
      storage,
      href: () => page,
      navigate: (url: string) => void (left = url),
      replaceUrl: (url: string) => void (page = url),
      identityEndpoint: `${base}/identity/`,
    };
    const session = new CognitoSession(settings(), env);
    expect(await session.start()).toBe(false);
    await session.signIn();
    const authorize = new URL(left);
    const state = authorize.searchParams.get('state') ?? '';
    page = `https://console.example/?code=code-1&state=${state}`;

    // Act
    const signedIn = await new CognitoSession(settings(), env).start();
    const credentials = await session.credentials();

    // Assess
    expect(signedIn).toBe(true);
    expect(page).toBe('https://console.example/');
    const token = seen.find((request) => request.path === '/hosted/oauth2/token');
    const form = Object.fromEntries(new URLSearchParams(token?.body ?? ''));
    const { verifier } = JSON.parse([...storage.items.values()][0] ?? '{}') as { verifier?: string };
    expect(verifier).toBeUndefined();
    expect(form).toMatchObject({
      grant_type: 'authorization_code',
      client_id: 'client123',
      code: 'code-1',
      redirect_uri: 'https://console.example/',
    });
    expect(await codeChallenge(form.code_verifier ?? '')).toBe(authorize.searchParams.get('code_challenge'));
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const identity = seen.filter((request) => request.path === '/identity/');
    expect(identity.map((request) => [request.headers['x-amz-target'], request.headers['content-type'], JSON.parse(request.body)])).toEqual(
      [
        [
          'AWSCognitoIdentityService.GetId',
          'application/x-amz-json-1.1',
          {
            IdentityPoolId: 'eu-central-1:11111111-2222-3333-4444-555555555555',
            Logins: { 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc123': 'id-token-1' },
          },
        ],
        [
          'AWSCognitoIdentityService.GetCredentialsForIdentity',
          'application/x-amz-json-1.1',
          { IdentityId: 'eu-central-1:identity-1', Logins: { 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc123': 'id-token-1' } },
        ],
      ],
    );
    expect(credentials).toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/), secretAccessKey: 'secret', sessionToken: 'session' });
  });

  it('refuses a code whose state it did not send', async () => {
    const storage = memoryStorage();
    storage.setItem('queue-groups.pkce', JSON.stringify({ verifier: 'v', state: 'mine' }));
    const session = new CognitoSession(settings(), {
      fetch,
      storage,
      href: () => 'https://console.example/?code=c&state=theirs',
      navigate: () => {},
      replaceUrl: () => {},
    });
    await expect(session.start()).rejects.toThrow(/does not belong to a sign-in started here/);
  });

  it('renews the credentials before they expire, refreshing the id token when it has expired', async () => {
    // Prepare: signed in an hour ago; the id token has just expired.
    seen.length = 0;
    const storage = memoryStorage();
    let now = Date.now();
    storage.setItem('queue-groups.tokens', JSON.stringify({ idToken: 'id-token-1', refreshToken: 'refresh-1', expiresAt: now + 3600_000 }));
    const session = new CognitoSession(settings(), {
      fetch,
      storage,
      href: () => 'https://console.example/',
      navigate: () => {},
      replaceUrl: () => {},
      identityEndpoint: `${base}/identity/`,
      now: () => now,
    });
    const first = await session.credentials();
    expect(await session.credentials()).toBe(first);

    // Act: within RENEW_BEFORE_MS of both expiries.
    now += 3600_000 - RENEW_BEFORE_MS + 1000;
    const second = await session.credentials();

    // Assess
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    const refresh = seen
      .filter((request) => request.path === '/hosted/oauth2/token')
      .map((request) => Object.fromEntries(new URLSearchParams(request.body)));
    expect(refresh).toEqual([{ client_id: 'client123', grant_type: 'refresh_token', refresh_token: 'refresh-1' }]);
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toMatchObject({
      Logins: { 'cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Abc123': 'id-token-2' },
    });
  });

  it('names the identity pool error it got', async () => {
    await expect(identityCredentials({ ...settings(), identityPoolId: 'x' }, 'id', fetch, `${base}/elsewhere/`)).rejects.toThrow(
      /GetId failed: NotAuthorizedException/,
    );
  });
});

describe('SigV4 in the browser', () => {
  it('signs exactly as the command-line admin client does (Web Crypto against Node crypto)', async () => {
    // Prepare
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'token' };
    const url = new URL('https://abcdefg.lambda-url.eu-central-1.on.aws/groups/support?limit=5');
    const body = JSON.stringify({ name: 'Support', members: ['anna'] });
    const date = new Date('2026-11-26T10:00:00Z');

    // Act
    const browser = await lambdaSigner('eu-central-1', async () => credentials).sign(
      {
        method: 'PUT',
        protocol: 'https:',
        hostname: url.hostname,
        path: url.pathname,
        query: { limit: '5' },
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      },
      { signingDate: date },
    );
    const node = await signerFor('eu-central-1', 'lambda', credentials).sign(
      {
        method: 'PUT',
        protocol: 'https:',
        hostname: url.hostname,
        path: url.pathname,
        query: { limit: '5' },
        headers: { host: url.host, 'content-type': 'application/json' },
        body,
      },
      { signingDate: date },
    );
    const headers = await signedHeaders(
      lambdaSigner('eu-central-1', async () => credentials),
      'PUT',
      url,
      { 'content-type': 'application/json' },
      body,
    );

    // Assess
    expect(browser.headers.authorization).toBe(node.headers.authorization);
    expect(browser.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261126\/eu-central-1\/lambda\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token']);
  });
});

describe('config.json', () => {
  it('reads both kinds and names what a cognito one lacks', () => {
    expect(parseConfig({ adminUrl: '/admin', auth: { kind: 'none' } })).toEqual({ adminUrl: '/admin', auth: { kind: 'none' } });
    expect(
      parseConfig({ adminUrl: 'https://x.lambda-url.eu-central-1.on.aws/', auth: { ...settings(), domain: 'https://d.example/' } }).auth,
    ).toMatchObject({
      domain: 'https://d.example',
    });
    expect(() => parseConfig({ adminUrl: '/admin', auth: { kind: 'cognito', region: 'eu-central-1' } })).toThrow(
      /lacks userPoolId, userPoolClientId, identityPoolId, domain/,
    );
  });
});
