import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * The root project's global setup: one directory per run for the DynamoDB actions the handlers
 * perform (test/support/dynamodb-actions.ts), read by test/permissions/ after every other test file.
 * It belongs to the root project so the test projects share one directory.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'queue-groups-dynamodb-actions-'));
  project.provide('dynamoDbActionLog', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbActionLog: string;
  }
}
