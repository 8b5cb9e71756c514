import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueueGroupsStack } from '../../lib/queue-groups-stack.js';
import { TABLE_ACTIONS } from '../../lib/table-permissions.js';

type PolicyResource = {
  Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } };
};

/** The actions granted to the role of the function whose logical ID starts with `functionId`. */
function actionsOf(template: Template, functionId: string): string[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[];
  return policies
    .filter((policy) => policy.Properties.Roles.some((role) => role.Ref.startsWith(`${functionId}ServiceRole`)))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement.flatMap((statement) => statement.Action));
}

/** The CDK stack, synthesized offline (the functions bundled by the local esbuild). */
describe('QueueGroupsStack', () => {
  let template: Template;

  beforeAll(() => {
    template = Template.fromStack(new QueueGroupsStack(new App(), 'Test'));
  });

  it('has one pay-per-request table with point-in-time recovery and the TTL attribute', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('runs the three functions on Node.js 22 with the table name, and the voice function with the auth token secret and public URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Timeout: 10,
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: Match.anyValue(),
          TWILIO_AUTH_TOKEN_SECRET_ARN: Match.anyValue(),
          PUBLIC_BASE_URL: Match.anyValue(),
        }),
      },
    });
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (resource) => (resource as { Properties: { Runtime?: string } }).Properties.Runtime,
    );
    expect(runtimes.filter((runtime) => runtime === 'nodejs22.x')).toHaveLength(3);
  });

  it('gives the voice function the memory chosen from the bench figures (lib/function-sizes.ts), the others the default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 10, MemorySize: 1024 });
    const sizes = Object.values(template.findResources('AWS::Lambda::Function')).map(
      (resource) => (resource as { Properties: { MemorySize?: number } }).Properties.MemorySize,
    );
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([512, 512, 1024]);
  });

  it('runs the voicemail reconciliation every 5 minutes with the table, the auth token secret and, when given, the Account SID', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue(), TWILIO_AUTH_TOKEN_SECRET_ARN: Match.anyValue() }) },
    });
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcileFunction'), 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcileFunction'), 'Arn'] },
    });

    const withSid = Template.fromStack(
      new QueueGroupsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'WithSid', { twilioAccountSid: `AC${'b'.repeat(32)}` }),
    );
    withSid.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 60,
      Environment: { Variables: Match.objectLike({ TWILIO_ACCOUNT_SID: `AC${'b'.repeat(32)}` }) },
    });
  });

  it('routes POST /voice/{proxy+} of an HTTP API to the voice function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /voice/{proxy+}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('serves the admin API from a function URL with AWS_IAM auth only', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
  });

  it('grants each function the table actions of lib/table-permissions.ts (pinned to what the code does by test/permissions/) on the table only, and the auth token secret', () => {
    for (const [functionId, handler] of [
      ['VoiceFunction', 'voice'],
      ['AdminFunction', 'admin'],
      ['ReconcileFunction', 'reconcile'],
    ] as const) {
      const actions = actionsOf(template, functionId);
      expect(actions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual([...TABLE_ACTIONS[handler]].sort());
      expect(actions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
    }
    const tableStatements = (Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[])
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    expect(tableStatements.map((statement) => statement.Resource)).toEqual(
      tableStatements.map(() => ({ 'Fn::GetAtt': [expect.stringMatching(/^StateTable/), 'Arn'] })),
    );
  });

  it('never grants a wildcard DynamoDB action', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));

    expect(policies).not.toContain('dynamodb:*');
  });

  it('keeps logs for a month and raises alarms on fallbacks, errors and throttles, and on a failing reconciliation', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ReconcileFunction') } }],
    });
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.level = "error" }' });
  });

  it('names the URLs to paste into the Twilio number', () => {
    const outputs = template.findOutputs('*');

    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'IncomingCallUrl',
        'StatusCallbackUrl',
        'FallbackUrl',
        'OutboundCallUrl',
        'AdminApiUrl',
        'AuthTokenSecretArn',
      ]),
    );
  });

  it('checks signatures against a configured public base URL', () => {
    const custom = Template.fromStack(
      new QueueGroupsStack(new App(), 'Custom', {
        publicBaseUrl: 'https://voice.acme.example',
        authTokenSecretName: 'acme/twilio',
        twilioAccountSid: `AC${'a'.repeat(32)}`,
      }),
    );

    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ PUBLIC_BASE_URL: 'https://voice.acme.example', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` }),
      },
    });
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ VOICE_BASE_URL: 'https://voice.acme.example/voice/' }) },
    });
    custom.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});
