import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The admin API as a client sees it: the local stack's `/admin` (no signature, it listens on the
 * loopback interface only) or a deployment's Lambda function URL, whose `AWS_IAM` auth wants every
 * request signed with Signature Version 4 for the service `lambda` in the URL's region
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html). The signing is Smithy's (the AWS
 * SDK's own signer), the credentials the SDK's default chain (environment, profile, SSO, role).
 */

export class AdminRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'AdminRequestError';
  }
}

/** `<id>.lambda-url.<region>.on.aws`: the region a function URL lives in, or undefined for another host. */
export function functionUrlRegion(url: URL): string | undefined {
  return /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/.exec(url.hostname)?.[1];
}

export type AdminClientOptions = {
  /** Sign even when the URL is no function URL (a custom domain in front of one): the region to sign for. */
  readonly region?: string | undefined;
  /** Where credentials come from; the SDK's default provider chain when absent. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  readonly timeoutMs?: number | undefined;
};

export type AdminClient = {
  readonly baseUrl: string;
  readonly signed: boolean;
  request(method: string, path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<unknown>;
};

/** A signer for one region; `signingDate` only for tests against AWS's published test vectors. */
export function signerFor(region: string, service: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider) {
  // No x-amz-content-sha256 header: that is S3's; the payload's hash is signed in the canonical request either way.
  return new SignatureV4({ credentials, region, service, sha256: Sha256, applyChecksum: false });
}

async function defaultCredentials(): Promise<AwsCredentialIdentityProvider> {
  // Loaded only when a deployment is asked: the local stack needs no AWS package at all.
  const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
  return defaultProvider();
}

export function adminClient(baseUrl: string, options: AdminClientOptions = {}): AdminClient {
  const base = new URL(baseUrl.replace(/\/+$/, ''));
  const region = options.region ?? functionUrlRegion(base);
  let signer: SignatureV4 | undefined;
  return {
    baseUrl: base.toString().replace(/\/+$/, ''),
    signed: region !== undefined,
    async request(method, path, body, extraHeaders = {}) {
      const url = new URL(`${base.pathname.replace(/\/+$/, '')}${path}`, base);
      const payload = body === undefined ? undefined : JSON.stringify(body);
      let headers: Record<string, string> = { ...extraHeaders, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
      if (region !== undefined) {
        signer ??= signerFor(region, 'lambda', options.credentials ?? (await defaultCredentials()));
        const signed = await signer.sign({
          method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port === '' ? {} : { port: Number(url.port) }),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: { ...headers, host: url.host },
          ...(payload === undefined ? {} : { body: payload }),
        });
        headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
      }
      const response = await fetch(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      }).catch((error: unknown) => {
        // fetch says only "fetch failed"; the reason is in its cause (ECONNREFUSED, ENOTFOUND, a timeout).
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
        throw new Error(
          `cannot reach the admin API at ${base.toString()} (${reason})${region === undefined ? '; is npm start running?' : ''}`,
        );
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON (a gateway's error page): kept as text for the message.
      }
      if (!response.ok) {
        const reason =
          typeof parsed === 'object' && parsed !== null && 'error' in parsed
            ? String((parsed as { error: unknown }).error)
            : text.slice(0, 300);
        throw new AdminRequestError(`${method} ${path} answered ${response.status}: ${reason}`, response.status, parsed);
      }
      return parsed;
    },
  };
}
