import { inject } from 'vitest';

/**
 * The port of this test worker's fake Twilio REST API (see setup-env.ts): the run's base port, picked
 * free at run time by global-setup.ts, plus the worker's pool id, so test files running side by side
 * do not meet, nor do two test runs on one machine.
 */
export function testApiPort(): number {
  return inject('apiPortBase') + Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '1');
}
