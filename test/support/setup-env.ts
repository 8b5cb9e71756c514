import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { testApiPort } from './api-port.js';

/**
 * Runs before each test file is imported: the handlers read their environment once at import, as in
 * Lambda, so it is set here. Each file gets its own table in the shared DynamoDB Local.
 */
Object.assign(process.env, {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
  TABLE_NAME: `test-${randomBytes(6).toString('hex')}`,
  AWS_REGION: 'local',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  // The simulator's fake REST API listens here when a test plays calls that move waiting callers:
  // one port per worker, so test files running side by side do not meet.
  TWILIO_API_BASE_URL: `http://127.0.0.1:${testApiPort()}`,
  TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
  VOICE_BASE_URL: 'https://queue-groups.example.test/voice/',
});
delete process.env.PUBLIC_BASE_URL;
