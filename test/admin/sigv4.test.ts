import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { adminClient, functionUrlRegion, signerFor } from '../../bin/admin/client.js';

/**
 * The admin client signs requests to a deployment's function URL with Signature Version 4. The signer
 * is checked against cases of AWS's published test suite
 * (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html): same credentials,
 * date, region and service, the same Authorization header.
 */
const suite = {
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  signingDate: new Date('2015-08-30T12:36:00Z'),
  scope: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request',
};
const STS_TOKEN =
  'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';

const cases = [
  {
    name: 'get-vanilla',
    method: 'GET',
    query: {},
    headers: {},
    expected: 'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'post-vanilla',
    method: 'POST',
    query: {},
    headers: {},
    expected: 'SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    query: { Param2: 'value2', Param1: 'value1' },
    headers: {},
    expected: 'SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'post-header-value-case',
    method: 'POST',
    query: {},
    headers: { 'My-Header1': 'VALUE1' },
    expected: 'SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
];

describe('SigV4 signing of admin requests', () => {
  it.each(cases)('matches AWS test suite case $name', async ({ method, query, headers, expected }) => {
    const signed = await signerFor('us-east-1', 'service', suite.credentials).sign(
      {
        method,
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query,
        headers: { host: 'example.amazonaws.com', ...headers },
      },
      { signingDate: suite.signingDate },
    );
    expect(signed.headers.authorization).toBe(`${suite.scope}, ${expected}`);
  });

  it('matches AWS test suite case post-sts-header-before (temporary credentials sign their session token)', async () => {
    const signed = await signerFor('us-east-1', 'service', { ...suite.credentials, sessionToken: STS_TOKEN }).sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'example.amazonaws.com',
        path: '/',
        query: {},
        headers: { host: 'example.amazonaws.com' },
      },
      { signingDate: suite.signingDate },
    );
    expect(signed.headers.authorization).toBe(
      `${suite.scope}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead`,
    );
    expect(signed.headers['x-amz-security-token']).toBe(STS_TOKEN);
  });

  it('knows a function URL and its region; other hosts are not signed unless a region is given', () => {
    expect(functionUrlRegion(new URL('https://abcdefghij1234567890.lambda-url.eu-central-1.on.aws/'))).toBe('eu-central-1');
    expect(functionUrlRegion(new URL('http://127.0.0.1:3000/admin'))).toBeUndefined();
    expect(adminClient('http://127.0.0.1:3000/admin').signed).toBe(false);
    expect(adminClient('https://abcdefghij1234567890.lambda-url.eu-central-1.on.aws/').signed).toBe(true);
  });

  it('sends the request as signed: the server signing what it received gets the same signature', async () => {
    const received: { request: IncomingMessage; body: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ request, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret', sessionToken: 'session' };
      const client = adminClient(`http://127.0.0.1:${port}/admin`, { region: 'eu-central-1', credentials });
      expect(await client.request('PUT', '/configuration?dryRun=true', { users: {} }, { 'if-match': '"3"' })).toEqual({ ok: true });
      const [{ request, body } = { request: undefined, body: '' }] = received;
      if (request === undefined) throw new Error('no request arrived');
      const authorization = String(request.headers.authorization);
      expect(authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-central-1\/lambda\/aws4_request, SignedHeaders=content-type;host;if-match;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
      );
      const amzDate = String(request.headers['x-amz-date']);
      const signingDate = new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
      );
      const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
      const again = await signerFor('eu-central-1', 'lambda', credentials).sign(
        {
          method: request.method ?? '',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: {
            host: String(request.headers.host),
            'content-type': String(request.headers['content-type']),
            'if-match': String(request.headers['if-match']),
          },
          body,
        },
        { signingDate },
      );
      expect(again.headers.authorization).toBe(authorization);
      expect(body).toBe('{"users":{}}');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
