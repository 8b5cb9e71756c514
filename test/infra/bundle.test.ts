import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployedBundleOptions } from '../../lib/bundling.js';

const root = join(import.meta.dirname, '..', '..');

/** The voice bundle as the stack deploys it (ESM, minified), run in a plain Node process. */
describe('deployed voice bundle', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voice-bundle-'));
    await build(deployedBundleOptions(join(root, 'functions', 'handlers', 'voice.ts'), join(dir, 'index.mjs')));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads without node_modules and answers a signed /voice/fallback with TwiML', () => {
    const token = 'bundle-test-token';
    const params = {
      CallSid: 'CAbundle',
      From: '+15550001111',
      ErrorCode: '11205',
      ErrorUrl: 'https://voice.example.test/voice/group?g=support',
    };
    const signature = getExpectedTwilioSignature(token, 'https://voice.example.test/voice/fallback', params);
    const event = {
      version: '2.0',
      rawPath: '/voice/fallback',
      rawQueryString: '',
      headers: { host: 'voice.example.test', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/voice/fallback' }, domainName: 'voice.example.test' },
    };
    writeFileSync(
      join(dir, 'run.mjs'),
      `const { handler } = await import('./index.mjs');\nconst result = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 9000 });\nprocess.stdout.write(JSON.stringify(result));\n`,
    );

    const output = execFileSync(process.execPath, [join(dir, 'run.mjs')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        TABLE_NAME: 'unused',
        AWS_REGION: 'eu-central-1',
        TWILIO_AUTH_TOKEN: token,
        LOG_LEVEL: 'silent',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as { statusCode: number; body: string };

    expect(result.statusCode).toBe(200);
    // The <Record> action carries the voicemail's context, as the recording callback does.
    expect(result.body).toMatch(/<Record action="voicemail-done\?[^"]*g=support/);
    expect(result.body).toContain('g=support');
  });
});
