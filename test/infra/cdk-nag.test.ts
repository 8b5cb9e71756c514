import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { QueueGroupsStack, type QueueGroupsStackProps } from '../../lib/queue-groups-stack.js';

/** Every option bin/app.ts reads from the context, set. */
const EVERY_OPTION: QueueGroupsStackProps = {
  publicBaseUrl: 'https://voice.acme.example',
  authTokenSecretName: 'acme/twilio',
  twilioAccountSid: `AC${'a'.repeat(32)}`,
  alarmEmail: 'ops@example.com',
  consoleDomainPrefix: 'acme-queue-groups',
};

/** The stack as the other stack tests build it; no bundling (the rules read the resources, not the code). */
function synthesized(props: QueueGroupsStackProps): App {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  Template.fromStack(new QueueGroupsStack(app, 'Nag', props));
  return app;
}

/** `ruleName at construct path`, one per finding, for a readable failure. */
function findings(report: ReturnType<AwsSolutionsChecks['validateScope']>): string[] {
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.severity} ${violation.ruleName} at ${resource.constructPath ?? '?'}`),
  );
}

/**
 * The AwsSolutions rule ids acknowledged on any construct of the tree (Validations.of(...).acknowledge,
 * next to the construct), a granular finding with its part (`AwsSolutions-IAM5[Action::s3:List*]`).
 * The CDK acknowledges some of its own validations the same way (CloudFormation-Validate::...): not ours.
 */
function acknowledged(root: IConstruct): Map<string, string> {
  const ids = new Map<string, string>();
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        const rule = id.replace(/^annotation::/i, '');
        if (rule.startsWith('AwsSolutions-')) ids.set(`${rule} at ${construct.node.path}`, reason);
      }
    }
  }
  return ids;
}

/** The rules of the AwsSolutions pack the stack acknowledges, whatever the context options. */
const ALWAYS_ACKNOWLEDGED = [
  'AwsSolutions-APIG4',
  // The console's distribution (lib/admin-console.ts).
  'AwsSolutions-CFR1',
  'AwsSolutions-CFR2',
  'AwsSolutions-CFR4',
  // The CDK's BucketDeployment function, finding by finding.
  'AwsSolutions-IAM4',
  'AwsSolutions-IAM5',
  'AwsSolutions-L1',
];

/**
 * cdk-nag 3 is a policy validation plugin (Validations.of(app).addPlugins), not an aspect: its findings
 * are a report, not annotations, and a rule is acknowledged with Validations.of(construct).acknowledge
 * (docs/decisions.md, "cdk-nag 3").
 */
describe('cdk-nag AwsSolutionsChecks', () => {
  it.each([
    ['the defaults', {}],
    ['every context option', EVERY_OPTION],
  ] as const)('finds no unacknowledged error or warning in the stack with %s', (_name, props) => {
    const app = synthesized(props);

    const report = new AwsSolutionsChecks().validateScope(app);

    expect(findings(report)).toEqual([]);
  });

  it('passes as the CDK runs it: a validation plugin of the app, which fails the synthesis on any finding', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new QueueGroupsStack(app, 'Nag', EVERY_OPTION);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).not.toThrow();
  });

  it('fails that synthesis on a finding nobody acknowledged', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new QueueGroupsStack(app, 'Nag');
    new Topic(stack, 'Unencrypted');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });

  it.each([
    ['the defaults', {}, [...ALWAYS_ACKNOWLEDGED, 'AwsSolutions-SMG4'].sort()],
    // An existing secret is not the stack's resource: nothing to acknowledge for it.
    ['every context option', EVERY_OPTION, ALWAYS_ACKNOWLEDGED],
  ] as const)('acknowledges, with %s, only findings that exist, each with its reason', (_name, props, rules) => {
    const app = synthesized(props);
    const checks = new AwsSolutionsChecks();
    // What the rules find with every acknowledgement ignored (isAcknowledged is the pack's own check).
    Object.defineProperty(checks, 'isAcknowledged', { value: () => false });

    const raw = findings(checks.validateScope(app)).map((finding) => finding.replace(/^\w+ /, ''));
    const reasons = acknowledged(app);

    // Each acknowledgement sits on the resource it concerns or on a construct above it.
    for (const id of reasons.keys()) {
      const [rule, path] = id.split(' at ') as [string, string];
      expect(
        raw.some((finding) => finding.startsWith(`${rule} at ${path}/`)),
        `${id} acknowledges nothing`,
      ).toBe(true);
    }
    for (const reason of reasons.values()) expect(reason.length).toBeGreaterThan(40);
    // Rules by their id, granular findings (`AwsSolutions-IAM5[...]`) under their rule.
    expect([...new Set([...reasons.keys()].map((id) => id.split(' at ')[0]?.replace(/\[.*$/, '')))].sort()).toEqual(rules);
  });
});
