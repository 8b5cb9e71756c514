import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';

/**
 * Signature Version 4 in the browser for the admin function URL (`AWS_IAM` auth, service `lambda`,
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html): Smithy's signer, the one
 * bin/admin/client.ts uses, with SHA-256 and HMAC from Web Crypto instead of Node's crypto.
 */

const encoder = new TextEncoder();

function bytesOf(data: SourceData): Uint8Array<ArrayBuffer> {
  if (typeof data === 'string') return encoder.encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer);
  return new Uint8Array(data.slice(0) as ArrayBuffer);
}

/** SHA-256, or HMAC-SHA-256 when constructed with a secret: the hash interface Smithy's signer expects. */
export class WebCryptoSha256 implements Checksum {
  private chunks: Uint8Array<ArrayBuffer>[] = [];
  private readonly secret: Uint8Array<ArrayBuffer> | undefined;

  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytesOf(secret);
  }

  update(data: SourceData): void {
    this.chunks.push(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    const length = this.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
    const message = new Uint8Array(length);
    let at = 0;
    for (const chunk of this.chunks) {
      message.set(chunk, at);
      at += chunk.byteLength;
    }
    if (this.secret === undefined) return new Uint8Array(await crypto.subtle.digest('SHA-256', message));
    const key = await crypto.subtle.importKey('raw', this.secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
  }

  reset(): void {
    this.chunks = [];
  }
}

export type CredentialSource = () => Promise<AwsCredentialIdentity>;

/** The headers to send with a request to `url`: the given ones plus the signature (without `host`, which the browser sets). */
export async function signedHeaders(
  signer: SignatureV4,
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Record<string, string>> {
  const signed = await signer.sign({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...headers, host: url.host },
    ...(body === undefined ? {} : { body }),
  });
  return Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name.toLowerCase() !== 'host'));
}

export function lambdaSigner(region: string, credentials: CredentialSource): SignatureV4 {
  return new SignatureV4({ credentials, region, service: 'lambda', sha256: WebCryptoSha256, applyChecksum: false });
}
