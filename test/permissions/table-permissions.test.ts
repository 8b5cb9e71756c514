import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { AppFunction } from '../../lib/app-function.js';
import { QueueGroupsStack } from '../../lib/queue-groups-stack.js';
import type { ActionRecord } from '../support/dynamodb-actions.js';

/**
 * The deployed functions have exactly the table permissions their code uses. Every other test file
 * ran before this one (vitest.config.ts: the `permissions` project's group runs last) and recorded
 * the DynamoDB actions each handler performed (test/support/dynamodb-actions.ts); here they are
 * compared with what the synthesized stack grants each function's role.
 */
const root = join(import.meta.dirname, '..', '..');

type Recorded = { actions: Map<string, Set<string>>; files: Set<string> };

function readRecords(dir: string): Recorded {
  const recorded: Recorded = { actions: new Map(), files: new Set() };
  if (!existsSync(dir)) return recorded;
  for (const name of readdirSync(dir).filter((file) => file.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line) as ActionRecord;
      if ('file' in record) {
        recorded.files.add(isAbsolute(record.file) ? relative(root, record.file) : record.file);
      } else {
        const actions = recorded.actions.get(record.function) ?? new Set<string>();
        actions.add(record.action);
        recorded.actions.set(record.function, actions);
      }
    }
  }
  return recorded;
}

/** The test files of the `suite` project (vitest.config.ts): everything but this folder. */
function suiteFiles(): string[] {
  return readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .map((file) => join('test', file))
    .filter((file) => file.endsWith('.test.ts') && !file.startsWith(join('test', 'permissions')))
    .sort();
}

/** The DynamoDB actions the template grants each function, by its handler file. */
function grantedActions(stack: Stack, template: Template): Map<string, string[]> {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: unknown[]; PolicyDocument: { Statement: { Action: string | string[] }[] } };
  }[];
  const granted = new Map<string, string[]>();
  for (const fn of stack.node.findAll().filter((construct): construct is AppFunction => construct instanceof AppFunction)) {
    const role = fn.role?.node.defaultChild as CfnElement | undefined;
    if (role === undefined) throw new Error(`${fn.node.path} has no role of its own`);
    const roleRef = { Ref: stack.getLogicalId(role) };
    const actions = policies
      .filter((policy) => policy.Properties.Roles.some((entry) => JSON.stringify(entry) === JSON.stringify(roleRef)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement.flatMap((statement) => statement.Action))
      .filter((action) => action.startsWith('dynamodb:'));
    granted.set(fn.handlerFile, [...new Set(actions)].sort());
  }
  return granted;
}

describe('table permissions of the deployed functions', () => {
  let recorded: Recorded;
  let granted: Map<string, string[]>;

  beforeAll(() => {
    recorded = readRecords(inject('dynamoDbActionLog'));
    // No bundling: the roles do not depend on the code's assets, and synthesis is much faster.
    const stack = new QueueGroupsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Permissions', {
      twilioAccountSid: `AC${'0'.repeat(32)}`,
    });
    granted = grantedActions(stack, Template.fromStack(stack));
  });

  it('grants each function every DynamoDB action it performed in the tests, each action of a transaction included', () => {
    const performed = Object.fromEntries([...recorded.actions].map(([name, actions]) => [name, [...actions].sort()]));
    const missing = Object.fromEntries(
      Object.entries(performed).map(([name, actions]) => [name, actions.filter((action) => !(granted.get(name) ?? []).includes(action))]),
    );

    // A function the stack does not deploy, or a request the recorder cannot name, shows up here too.
    expect(missing, `performed ${JSON.stringify(performed)}; granted ${JSON.stringify(Object.fromEntries(granted))}`).toEqual(
      Object.fromEntries(Object.keys(performed).map((name) => [name, []])),
    );
  });

  it('grants no DynamoDB action that a function never performed across the whole suite', () => {
    const notRun = suiteFiles().filter((file) => !recorded.files.has(file));
    const performedSoFar = JSON.stringify(Object.fromEntries([...recorded.actions].map(([name, actions]) => [name, [...actions].sort()])));
    // Unused permissions can only be told from a run of every test file (npm test).
    expect(
      notRun,
      `these test files did not run, so unused permissions cannot be told (run the whole suite); performed so far: ${performedSoFar}`,
    ).toEqual([]);

    const performed = Object.fromEntries([...granted.keys()].map((name) => [name, [...(recorded.actions.get(name) ?? [])].sort()]));
    expect(Object.fromEntries(granted)).toEqual(performed);
  });
});
