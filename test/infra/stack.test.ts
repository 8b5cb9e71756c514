import { App } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueueGroupsStack } from '../../lib/queue-groups-stack.js';

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

  it('runs both functions on Node.js 22 with the table name, and the voice function with the auth token secret and public URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Timeout: 10,
      Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue(), TWILIO_AUTH_TOKEN_SECRET_ARN: Match.anyValue(), PUBLIC_BASE_URL: Match.anyValue() }) },
    });
    const runtimes = Object.values(template.findResources('AWS::Lambda::Function')).map((resource) => (resource as { Properties: { Runtime?: string } }).Properties.Runtime);
    expect(runtimes.filter((runtime) => runtime === 'nodejs22.x')).toHaveLength(2);
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

  it('grants each function exactly the table actions it uses, and both the auth token secret', () => {
    const statements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: statements },
      Roles: [{ Ref: Match.stringLikeRegexp('VoiceFunction') }],
    });
    const voiceActions = (statements.asArray() as { Action: string | string[] }[]).flatMap((statement) => statement.Action);
    expect(voiceActions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(voiceActions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));

    const adminStatements = new Capture();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: adminStatements },
      Roles: [{ Ref: Match.stringLikeRegexp('AdminFunction') }],
    });
    const adminActions = (adminStatements.asArray() as { Action: string | string[] }[]).flatMap((statement) => statement.Action);
    expect(adminActions.filter((action) => action.startsWith('dynamodb:')).sort()).toEqual(
      ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
    );
    expect(adminActions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
  });

  it('never grants a wildcard DynamoDB action', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));

    expect(policies).not.toContain('dynamodb:*');
  });

  it('keeps logs for a month and raises alarms on fallbacks, errors and throttles', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.level = "error" }' });
  });

  it('names the URLs to paste into the Twilio number', () => {
    const outputs = template.findOutputs('*');

    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['IncomingCallUrl', 'StatusCallbackUrl', 'FallbackUrl', 'OutboundCallUrl', 'AdminApiUrl', 'AuthTokenSecretArn']));
  });

  it('checks signatures against a configured public base URL', () => {
    const custom = Template.fromStack(new QueueGroupsStack(new App(), 'Custom', { publicBaseUrl: 'https://voice.acme.example', authTokenSecretName: 'acme/twilio', twilioAccountSid: `AC${'a'.repeat(32)}` }));

    custom.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ PUBLIC_BASE_URL: 'https://voice.acme.example', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}` }) } });
    custom.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ VOICE_BASE_URL: 'https://voice.acme.example/voice/' }) } });
    custom.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });
});
