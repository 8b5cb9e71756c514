import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedBundleOptions } from '../../lib/bundling.js';

const root = join(import.meta.dirname, '..', '..');

/**
 * The SDK's default credential-provider chain and what only it brings: none of it may be in the
 * deployed voice bundle (lib/bundling.ts maps the chain to functions/commons/aws-credentials.ts).
 */
const CHAIN_PACKAGES = [
  '@aws-sdk/credential-provider-node',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
  '@smithy/credential-provider-imds',
];

const packageOf = (input: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

/** The voice bundle as the stack deploys it, and what esbuild put into it. */
describe('deployed voice bundle and the credential chain', () => {
  let dir: string;
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voice-cold-start-'));
    bundle = join(dir, 'index.mjs');
    const result = await build({ ...deployedBundleOptions(join(root, 'functions', 'handlers', 'voice.ts'), bundle), metafile: true });
    inputs = Object.keys((result.metafile as Metafile).inputs);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('carries none of the default credential-provider chain, only the environment provider', () => {
    const packages = new Set(inputs.map(packageOf));
    expect(CHAIN_PACKAGES.filter((name) => packages.has(name))).toEqual([]);
    expect([...packages]).toContain('@aws-sdk/credential-provider-env');
    // The SDK clients' runtime config still imports the chain by name: it resolves to our module.
    expect(inputs.filter((input) => input.endsWith('functions/commons/aws-credentials.ts'))).toHaveLength(1);
  });

  describe('run in a plain Node process', () => {
    let server: Server;
    let endpoint: string;
    const requests: { target: string; authorization: string }[] = [];

    beforeAll(async () => {
      // A stand-in for DynamoDB that records who signed each request and finds nothing.
      server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
          requests.push({
            target: String(request.headers['x-amz-target'] ?? ''),
            authorization: String(request.headers.authorization ?? ''),
          });
          response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
          response.end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('signs its DynamoDB requests with the keys from the environment and never loads a provider chain', async () => {
      const token = 'cold-start-test-token';
      const params = { CallSid: `CA${'1'.repeat(32)}`, From: '+15550001111', To: '+4930000001', CallStatus: 'ringing' };
      const url = 'https://voice.example.test/voice/incoming';
      const event = {
        version: '2.0',
        rawPath: '/voice/incoming',
        rawQueryString: '',
        headers: {
          host: 'voice.example.test',
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': getExpectedTwilioSignature(token, url, params),
        },
        body: new URLSearchParams(params).toString(),
        isBase64Encoded: false,
        requestContext: { http: { method: 'POST', path: '/voice/incoming' }, domainName: 'voice.example.test' },
      };
      // Whatever CommonJS modules the process loaded (the bundle's fallback to the chain would
      // require it at run time): none may be a credential provider.
      writeFileSync(
        join(dir, 'run.mjs'),
        [
          "import { createRequire } from 'node:module';",
          "const { handler } = await import('./index.mjs');",
          `const result = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 9000 });`,
          'const loaded = Object.keys(createRequire(import.meta.url).cache);',
          'process.stdout.write(JSON.stringify({ statusCode: result.statusCode, loaded }));',
          '',
        ].join('\n'),
      );
      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [join(dir, 'run.mjs')],
          {
            cwd: dir,
            env: {
              PATH: process.env.PATH ?? '',
              TABLE_NAME: 'cold-start-test',
              DYNAMODB_ENDPOINT: endpoint,
              AWS_REGION: 'eu-central-1',
              AWS_ACCESS_KEY_ID: 'AKIDCOLDSTARTTEST',
              AWS_SECRET_ACCESS_KEY: 'cold-start-secret',
              AWS_SESSION_TOKEN: 'cold-start-session',
              TWILIO_AUTH_TOKEN: token,
              LOG_LEVEL: 'silent',
              AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            },
            encoding: 'utf8',
          },
          (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`))),
        );
      });
      const result = JSON.parse(output) as { statusCode: number; loaded: string[] };

      expect(result.statusCode).toBe(200);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.filter((request) => !request.authorization.includes('Credential=AKIDCOLDSTARTTEST/'))).toEqual([]);
      expect(result.loaded.filter((file) => /credential-provider|nested-clients/.test(file))).toEqual([]);
    });
  });
});
