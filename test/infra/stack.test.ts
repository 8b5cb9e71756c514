import { App } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, metricNames, OUTCOME_DIMENSION } from '../../functions/commons/metric-names.js';
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

type DashboardMetric = { namespace: string; name: string; dimensions: string[]; stat: string | undefined };

/** The dashboard's metrics and expressions, its body read as the JSON it becomes (references as `<ref>`). */
function dashboardMetrics(template: Template): { expressions: string[]; metrics: DashboardMetric[] } {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: { 'Fn::Join': [string, unknown[]] } };
  }[];
  const parts = dashboard?.Properties.DashboardBody['Fn::Join'][1] ?? [];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('')) as {
    widgets: { properties: { metrics?: unknown[][] } }[];
  };
  const entries = body.widgets.flatMap((widget) => widget.properties.metrics ?? []);
  const options = (entry: unknown[]) => (typeof entry.at(-1) === 'object' ? (entry.at(-1) as { expression?: string; stat?: string }) : {});
  return {
    expressions: entries.flatMap((entry) => (options(entry).expression === undefined ? [] : [options(entry).expression as string])),
    metrics: entries
      .filter((entry) => typeof entry[0] === 'string')
      .map((entry) => {
        const [namespace, name, ...rest] = entry.filter((part) => typeof part === 'string') as string[];
        return { namespace: namespace ?? '', name: name ?? '', dimensions: rest, stat: options(entry).stat };
      }),
  };
}

/**
 * The project's own functions (those with a Powertools service name), not the functions the CDK's
 * helpers add (the console's BucketDeployment, the buckets' auto-delete).
 */
function projectFunctions(template: Template): Record<string, unknown> {
  return template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: Match.stringLikeRegexp('^queue-groups-') } } },
  });
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
    const runtimes = Object.values(projectFunctions(template)).map(
      (resource) => (resource as { Properties: { Runtime?: string } }).Properties.Runtime,
    );
    expect(runtimes.filter((runtime) => runtime === 'nodejs22.x')).toHaveLength(4);
  });

  it('gives the voice function the memory chosen from the bench figures (lib/function-sizes.ts), the others the default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 10, MemorySize: 1024 });
    const sizes = Object.values(projectFunctions(template)).map(
      (resource) => (resource as { Properties: { MemorySize?: number } }).Properties.MemorySize,
    );
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([512, 512, 512, 1024]);
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
      ['WakeUpsFunction', 'wakeups'],
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

  it('keeps logs for a month and raises alarms on apologies, REST failures, errors, throttles, slow webhooks and a failing reconciliation', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 10);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ReconcileFunction') } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRICS_NAMESPACE,
      MetricName: metricNames.apologies,
      Dimensions: [{ Name: 'service', Value: 'queue-groups-voice' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    // REST failures from any of the three functions, summed.
    const restFailures = new Capture();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Metrics: restFailures, Threshold: 1 });
    const queries = restFailures.asArray() as {
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } };
    }[];
    expect(queries.find((query) => query.Expression !== undefined)?.Expression).toBe(
      'FILL(voice, 0) + FILL(admin, 0) + FILL(reconcile, 0) + FILL(wakeups, 0)',
    );
    expect(queries.flatMap((query) => (query.MetricStat === undefined ? [] : [query.MetricStat.Metric]))).toEqual(
      ['voice', 'admin', 'reconcile', 'wakeups'].map((handler) => ({
        Namespace: METRICS_NAMESPACE,
        MetricName: metricNames.restFailures,
        Dimensions: [{ Name: 'service', Value: `queue-groups-${handler}` }],
      })),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Duration', Statistic: 'Maximum', Threshold: 3000 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/ApiGateway', MetricName: '5xx' });
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: '{ ($.level = "ERROR") || ($.level = "CRITICAL") || ($.level = "error") }',
      MetricTransformations: [Match.objectLike({ MetricNamespace: METRICS_NAMESPACE, MetricName: 'VoiceErrorLogs' })],
    });
  });

  it('notifies the alarm topic from every alarm, on ALARM and on OK', () => {
    const topicRef = { Ref: Object.keys(template.findResources('AWS::SNS::Topic'))[0] };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions?: unknown[]; OKActions?: unknown[] };
    }[];

    expect(alarms.map((alarm) => [alarm.Properties.AlarmActions, alarm.Properties.OKActions])).toEqual(
      alarms.map(() => [[topicRef], [topicRef]]),
    );
  });

  it('encrypts the alarm topic with a rotated key CloudWatch may use, and refuses publishing without TLS', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('subscribes an email address to the alarm topic only when -c alarmEmail gives one', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);

    const withEmail = Template.fromStack(
      new QueueGroupsStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'WithEmail', { alarmEmail: 'ops@example.com' }),
    );

    withEmail.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('AlarmTopic') },
    });
  });

  it('shows the calls, the functions, the table and the HTTP API on one dashboard named after the stack', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Test' });
    const { expressions, metrics } = dashboardMetrics(template);

    // The functions' own metrics (functions/commons/metric-names.ts): a line per outcome and per function.
    expect(expressions).toEqual(
      expect.arrayContaining([
        `SEARCH('{${METRICS_NAMESPACE},${OUTCOME_DIMENSION},service} MetricName="${metricNames.callsEnded}"', 'Sum', 300)`,
        ...[metricNames.apologies, metricNames.offers, metricNames.restFailures].map(
          (name) => `SEARCH('{${METRICS_NAMESPACE},service} MetricName="${name}"', 'Sum', 300)`,
        ),
      ]),
    );
    for (const name of [metricNames.timeToAnswer, metricNames.waitingTime]) {
      expect(metrics.filter((metric) => metric.namespace === METRICS_NAMESPACE && metric.name === name)).toEqual(
        ['p50', 'p90', 'Maximum'].map((stat) => ({
          namespace: METRICS_NAMESPACE,
          name,
          dimensions: ['service', 'queue-groups-voice'],
          stat,
        })),
      );
    }
    // Lambda (each function), DynamoDB and the HTTP API.
    const shown = new Set(metrics.map((metric) => `${metric.namespace} ${metric.name}`));
    for (const name of ['Errors', 'Throttles', 'Duration', 'Invocations', 'ConcurrentExecutions']) {
      expect(metrics.filter((metric) => metric.namespace === 'AWS/Lambda' && metric.name === name).length).toBeGreaterThanOrEqual(3);
    }
    for (const name of ['ReadThrottleEvents', 'WriteThrottleEvents', 'SystemErrors', 'ConditionalCheckFailedRequests']) {
      expect(shown).toContain(`AWS/DynamoDB ${name}`);
    }
    for (const name of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency']) expect(shown).toContain(`AWS/ApiGateway ${name}`);
  });

  it('writes JSON access logs of the HTTP API, without query strings or bodies, to a log group kept for a month', () => {
    const format = new Capture();
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VoiceApiAccessLogs'), 'Arn'] }, Format: format },
    });
    const fields = JSON.parse(format.asString()) as Record<string, string>;
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const accessLogGroup = Object.entries(logGroups).find(([id]) => id.startsWith('VoiceApiAccessLogs'))?.[1] as
      { Properties: { RetentionInDays: number } } | undefined;

    expect(fields).toMatchObject({ requestId: '$context.requestId', status: '$context.status', routeKey: '$context.routeKey' });
    expect(Object.values(fields).filter((value) => !/^\$context\.[A-Za-z.]+$/.test(value))).toEqual([]);
    expect(Object.values(fields).filter((value) => /querystring|body|input|requestOverride/i.test(value))).toEqual([]);
    expect(accessLogGroup?.Properties.RetentionInDays).toBe(30);
  });

  it("names each function's Powertools service and metrics namespace, which the dashboard and alarms read", () => {
    for (const handler of ['voice', 'admin', 'reconcile', 'wakeups']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: `queue-groups-${handler}`,
            POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          }),
        },
      });
    }
  });

  it('lets each function write its own log group only, with no AWS managed policy', () => {
    // The project's roles: its functions' and the console's; the CDK's deployment helpers bring their own.
    const roles = Object.entries(template.findResources('AWS::IAM::Role'))
      .filter(([id]) => /^(VoiceFunction|AdminFunction|ReconcileFunction|Console)/.test(id))
      .map(([, role]) => role) as { Properties: { ManagedPolicyArns?: unknown } }[];
    expect(roles).toHaveLength(4);

    expect(roles.map((role) => role.Properties.ManagedPolicyArns)).toEqual(roles.map(() => undefined));
    for (const functionId of ['VoiceFunction', 'AdminFunction', 'ReconcileFunction']) {
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp(`^${functionId}ServiceRole`) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${functionId}Logs`), 'Arn'] },
            },
          ]),
        },
      });
    }
  });

  it('wakes members when their wrap-up ends: the voice function sends to an encrypted queue with a dead-letter queue, the wake-up function receives', () => {
    template.resourceCountIs('AWS::SQS::Queue', 2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: Match.stringLikeRegexp('^WakeUpsFunction') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ WAKE_UP_QUEUE_URL: { Ref: Match.stringLikeRegexp('^WakeUpsQueue') } }) },
    });
    expect(actionsOf(template, 'VoiceFunction')).toEqual(expect.arrayContaining(['sqs:SendMessage']));
    expect(actionsOf(template, 'WakeUpsFunction')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS' });
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
        'AlarmTopicArn',
        'DashboardName',
        'AccessLogGroupName',
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
