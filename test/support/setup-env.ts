import { randomBytes } from 'node:crypto';
import { expect, inject } from 'vitest';
import { testApiPort } from './api-port.js';
import { ACTION_LOG_ENV, writeRecord } from './dynamodb-actions.js';

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
  // Many test files share one DynamoDB Local on two cores: wait for it longer than the deployed
  // defaults do. test/faults/ sets the deployed values before it loads the handlers.
  DYNAMODB_REQUEST_TIMEOUT_MS: '5000',
  WEBHOOK_BUDGET_MS: '12000',
  // Where the handlers' DynamoDB actions are recorded for test/permissions/ (dynamodb-actions.ts).
  [ACTION_LOG_ENV]: inject('dynamoDbActionLog'),
});
delete process.env.PUBLIC_BASE_URL;
// Which test files ran: test/permissions/ checks for an exact match only when all of them did.
writeRecord({ file: expect.getState().testPath ?? 'unknown' });
