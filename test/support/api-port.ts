/** The port of this test worker's fake Twilio REST API (see setup-env.ts). */
export function testApiPort(): number {
  return 41_000 + Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '1');
}
