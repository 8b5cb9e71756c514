import type { CognitoSettings } from './config.js';

/**
 * Sign-in for a deployed console: the Cognito hosted UI with the authorization code grant and PKCE
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html,
 * https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html), then temporary AWS
 * credentials from the identity pool for the user pool's id token (the enhanced flow: GetId, then
 * GetCredentialsForIdentity, https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html).
 * The admin API's requests are signed with them (signer.ts). Nothing here needs an AWS SDK package.
 */

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date };

export type Tokens = { idToken: string; refreshToken: string | undefined; expiresAt: number };

export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

/** Credentials and tokens are renewed this long before they expire, so no request is sent with stale ones. */
export const RENEW_BEFORE_MS = 5 * 60 * 1000;

const PKCE_KEY = 'queue-groups.pkce';
const TOKENS_KEY = 'queue-groups.tokens';

function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A PKCE code verifier (RFC 7636 section 4.1): 32 random bytes, base64url, 43 characters. */
export function codeVerifier(): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge: base64url(SHA-256(verifier)) (RFC 7636 section 4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

export function authorizeUrl(settings: CognitoSettings, redirectUri: string, state: string, challenge: string): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: settings.userPoolClientId,
    redirect_uri: redirectUri,
    scope: 'openid',
    state,
    code_challenge_method: 'S256',
    code_challenge: challenge,
  });
  return `${settings.domain}/oauth2/authorize?${query.toString()}`;
}

export function logoutUrl(settings: CognitoSettings, logoutUri: string): string {
  return `${settings.domain}/logout?${new URLSearchParams({ client_id: settings.userPoolClientId, logout_uri: logoutUri }).toString()}`;
}

async function tokenRequest(settings: CognitoSettings, form: Record<string, string>, fetcher: typeof fetch): Promise<Tokens> {
  const response = await fetcher(`${settings.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: settings.userPoolClientId, ...form }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok || typeof body.id_token !== 'string')
    throw new SignInError(`the token endpoint answered ${response.status}${typeof body.error === 'string' ? `: ${body.error}` : ''}`);
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : 3600;
  return {
    idToken: body.id_token,
    refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : form.refresh_token,
    expiresAt: Date.now() + expiresIn * 1000,
  };
}

/** The code from the hosted UI's redirect, exchanged for tokens with the PKCE verifier. */
export function exchangeCode(
  settings: CognitoSettings,
  code: string,
  verifier: string,
  redirectUri: string,
  fetcher: typeof fetch = fetch,
): Promise<Tokens> {
  return tokenRequest(settings, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, fetcher);
}

export function refreshTokens(settings: CognitoSettings, refreshToken: string, fetcher: typeof fetch = fetch): Promise<Tokens> {
  return tokenRequest(settings, { grant_type: 'refresh_token', refresh_token: refreshToken }, fetcher);
}

export const identityEndpoint = (region: string): string => `https://cognito-identity.${region}.amazonaws.com/`;

/** One call of the Cognito Identity JSON API (these two operations need no signature). */
async function identityCall(endpoint: string, operation: string, body: unknown, fetcher: typeof fetch): Promise<Record<string, unknown>> {
  const response = await fetcher(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}` },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const type = typeof answer.__type === 'string' ? answer.__type : String(response.status);
    throw new SignInError(
      `Cognito Identity ${operation} failed: ${type}${typeof answer.message === 'string' ? ` (${answer.message})` : ''}`,
    );
  }
  return answer;
}

/** Temporary AWS credentials for the signed-in user, from the identity pool. */
export async function identityCredentials(
  settings: CognitoSettings,
  idToken: string,
  fetcher: typeof fetch = fetch,
  endpoint: string = identityEndpoint(settings.region),
): Promise<AwsCredentials> {
  const logins = { [`cognito-idp.${settings.region}.amazonaws.com/${settings.userPoolId}`]: idToken };
  const { IdentityId } = await identityCall(endpoint, 'GetId', { IdentityPoolId: settings.identityPoolId, Logins: logins }, fetcher);
  if (typeof IdentityId !== 'string') throw new SignInError('Cognito Identity GetId answered no IdentityId');
  const { Credentials } = await identityCall(endpoint, 'GetCredentialsForIdentity', { IdentityId, Logins: logins }, fetcher);
  const credentials = Credentials as Record<string, unknown> | undefined;
  if (
    typeof credentials?.AccessKeyId !== 'string' ||
    typeof credentials.SecretKey !== 'string' ||
    typeof credentials.SessionToken !== 'string' ||
    typeof credentials.Expiration !== 'number'
  )
    throw new SignInError('Cognito Identity GetCredentialsForIdentity answered no credentials');
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretKey,
    sessionToken: credentials.SessionToken,
    // The JSON protocol gives timestamps as epoch seconds.
    expiration: new Date(credentials.Expiration * 1000),
  };
}

/** The part of `sessionStorage` the session uses (its own type, so Node's tests need no DOM types). */
export type KeyValueStorage = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
};

export type SessionEnvironment = {
  fetch: typeof fetch;
  storage: KeyValueStorage;
  /** The page's URL (read for the hosted UI's `code` and `state`). */
  href: () => string;
  /** Leave the page for the hosted UI. */
  navigate: (url: string) => void;
  /** Drop `code` and `state` from the address bar once used. */
  replaceUrl: (url: string) => void;
  identityEndpoint?: string;
  now?: () => number;
};

/** A signed-in user's session: tokens kept in session storage, AWS credentials in memory, both renewed in time. */
export class CognitoSession {
  private credentialsPromise: Promise<AwsCredentials> | undefined;
  private readonly now: () => number;

  constructor(
    readonly settings: CognitoSettings,
    private readonly env: SessionEnvironment,
  ) {
    this.now = env.now ?? Date.now;
  }

  /**
   * Where the hosted UI sends the browser back: the console's root, exactly the callback and sign-out
   * URL the stack registers for the app client (`https://<distribution>/`), whatever page was open.
   */
  get redirectUri(): string {
    return `${new URL(this.env.href()).origin}/`;
  }

  /** Completes a sign-in the hosted UI redirected back to; true when the user is signed in. */
  async start(): Promise<boolean> {
    const url = new URL(this.env.href());
    const code = url.searchParams.get('code');
    const error = url.searchParams.get('error');
    if (code !== null || error !== null) {
      const pending = JSON.parse(this.env.storage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string } | null;
      this.env.storage.removeItem(PKCE_KEY);
      this.env.replaceUrl(`${url.origin}${url.pathname}${url.hash}`);
      if (error !== null) throw new SignInError(`sign-in failed: ${url.searchParams.get('error_description') ?? error}`);
      if (pending === null || pending.state !== url.searchParams.get('state'))
        throw new SignInError('sign-in failed: the answer does not belong to a sign-in started here; sign in again');
      this.saveTokens(await exchangeCode(this.settings, code ?? '', pending.verifier, this.redirectUri, this.env.fetch));
    }
    return this.tokens() !== undefined;
  }

  async signIn(): Promise<void> {
    const verifier = codeVerifier();
    const state = codeVerifier();
    this.env.storage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
    this.env.navigate(authorizeUrl(this.settings, this.redirectUri, state, await codeChallenge(verifier)));
  }

  signOut(): void {
    this.env.storage.removeItem(TOKENS_KEY);
    this.credentialsPromise = undefined;
    this.env.navigate(logoutUrl(this.settings, this.redirectUri));
  }

  /** Valid AWS credentials: the ones in memory, else new ones (refreshing the id token first when needed). */
  credentials(): Promise<AwsCredentials> {
    const cached = this.credentialsPromise;
    if (cached !== undefined)
      return cached.then((credentials) => (credentials.expiration.getTime() - RENEW_BEFORE_MS > this.now() ? credentials : this.renew()));
    return this.renew();
  }

  private renew(): Promise<AwsCredentials> {
    const renewing = (async () => {
      let tokens = this.tokens();
      if (tokens === undefined) throw new SignInError('not signed in');
      if (tokens.expiresAt - RENEW_BEFORE_MS <= this.now()) {
        if (tokens.refreshToken === undefined) throw new SignInError('the session has expired; sign in again');
        tokens = await refreshTokens(this.settings, tokens.refreshToken, this.env.fetch);
        this.saveTokens(tokens);
      }
      return identityCredentials(this.settings, tokens.idToken, this.env.fetch, this.env.identityEndpoint);
    })();
    this.credentialsPromise = renewing;
    // A failure is not cached: the next request tries again.
    renewing.catch(() => {
      if (this.credentialsPromise === renewing) this.credentialsPromise = undefined;
    });
    return renewing;
  }

  private tokens(): Tokens | undefined {
    const text = this.env.storage.getItem(TOKENS_KEY);
    return text === null ? undefined : (JSON.parse(text) as Tokens);
  }

  private saveTokens(tokens: Tokens): void {
    this.env.storage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  }
}
