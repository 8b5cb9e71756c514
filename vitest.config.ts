import { configDefaults, defineConfig } from 'vitest/config';
import { recordDynamoDbActions } from './test/support/dynamodb-actions-plugin.js';

/** Options every test project shares. */
const common = {
  pool: 'forks',
  testTimeout: 60_000,
  hookTimeout: 120_000,
  // No test may be skipped or focused; CI fails on either.
  allowOnly: false,
} as const;

/** test/permissions/ compares what the rest of the suite recorded, so it runs after all of it. */
export const PERMISSIONS_TESTS = 'test/permissions/**/*.test.ts';

export default defineConfig({
  test: {
    // The JSON report is what .ci/run counts for its "N passed, N failed" line; it covers every project.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
    passWithNoTests: false,
    allowOnly: false,
    // The root project's: one log directory for the run, shared by both projects.
    globalSetup: ['test/support/action-log-setup.ts'],
    projects: [
      {
        // Records each handler's DynamoDB actions (test/support/dynamodb-actions.ts).
        plugins: [recordDynamoDbActions()],
        test: {
          ...common,
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, PERMISSIONS_TESTS],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/setup-env.ts'],
        },
      },
      {
        test: {
          ...common,
          name: 'permissions',
          include: [PERMISSIONS_TESTS],
          // Groups run in order, each after the previous one has finished.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
