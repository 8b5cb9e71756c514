import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { addAccessLogs } from './access-logs.js';
import { AdminConsole } from './admin-console.js';
import { AppFunction } from './app-function.js';
import { VOICE_MEMORY_MB } from './function-sizes.js';
import { Observability } from './observability.js';
import { QueueGroupsTable } from './queue-groups-table.js';
import { TABLE_ACTIONS } from './table-permissions.js';
import { WakeUps } from './wake-ups.js';

export interface QueueGroupsStackProps extends StackProps {
  /**
   * The public base URL Twilio calls (a custom domain); signatures are checked against it.
   * @default the HTTP API's own endpoint
   */
  readonly publicBaseUrl?: string;
  /**
   * Name of an existing Secrets Manager secret holding the Twilio auth token as plain text.
   * @default a new secret; set its value to the account's auth token after the first deploy
   */
  readonly authTokenSecretName?: string;
  /**
   * The Twilio Account SID, for the REST calls that move waiting callers (AC + 32 hex digits).
   * @default none: waiting callers are then served by the waiting line's polling only
   */
  readonly twilioAccountSid?: string;
  /**
   * An email address the alarm topic mails (AWS first mails it a link to confirm the subscription).
   * @default none: subscribe to the topic (output AlarmTopicArn) by other means
   */
  readonly alarmEmail?: string;
  /**
   * The prefix of the console's sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`.
   * @default the stack's name and its UUID (lib/admin-console.ts)
   */
  readonly consoleDomainPrefix?: string;
}

/** How often the voicemail reconciliation runs: a message lost by both webhooks is listed within this. */
const RECONCILE_EVERY = Duration.minutes(5);

/**
 * The secret with the Twilio auth token: an existing one by name, or a new one (their CDK types differ
 * in optional fields).
 */
function authTokenSecret(scope: Construct, existingName: string | undefined): ISecret | Secret {
  if (existingName !== undefined && existingName !== '') return Secret.fromSecretNameV2(scope, 'TwilioAuthToken', existingName);
  const secret = new Secret(scope, 'TwilioAuthToken', {
    description: 'Twilio auth token for queue groups: replace the generated value with your account auth token',
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      "The secret holds Twilio's auth token, which only Twilio issues: it is rotated in Twilio's console (promote the secondary token) and then put into the secret, where the functions read it again within minutes; a Secrets Manager rotation function cannot do it",
  });
  return secret;
}

/** Everything the product needs in one AWS account: SPEC section 11, `cdk deploy`. */
export class QueueGroupsStack extends Stack {
  constructor(scope: Construct, id: string, props: QueueGroupsStackProps = {}) {
    super(scope, id, props);

    const { table } = new QueueGroupsTable(this, 'State');
    const authToken = authTokenSecret(this, props.authTokenSecretName);

    const api = new HttpApi(this, 'VoiceApi', { description: 'Twilio voice webhooks for queue groups' });
    const accessLogs = addAccessLogs(this, 'VoiceApiAccessLogs', api);
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        "Twilio cannot sign AWS or JWT requests: every webhook is authenticated by Twilio's request signature (X-Twilio-Signature over the URL and the form body, HMAC with the account's auth token), checked by the voice function before it reads anything, and a forged request is answered 403",
    });
    const voice = new AppFunction(this, 'VoiceFunction', {
      handlerFile: 'voice',
      // Chosen from the measured CPU time of a cold start and a warm webhook: lib/function-sizes.ts.
      memorySize: VOICE_MEMORY_MB,
      timeout: Duration.seconds(10),
      environment: {
        TABLE_NAME: table.tableName,
        TWILIO_AUTH_TOKEN_SECRET_ARN: authToken.secretArn,
        PUBLIC_BASE_URL: props.publicBaseUrl ?? api.apiEndpoint,
        ...(props.twilioAccountSid === undefined ? {} : { TWILIO_ACCOUNT_SID: props.twilioAccountSid }),
      },
    });
    // Wrap-up (SPEC 15): the voice function sends a delayed message when a member's wrap-up starts.
    const wakeUps = new WakeUps(this, 'WakeUps', {
      table,
      authTokenSecretArn: authToken.secretArn,
      voiceBaseUrl: `${props.publicBaseUrl ?? api.apiEndpoint}/voice/`,
      ...(props.twilioAccountSid === undefined ? {} : { twilioAccountSid: props.twilioAccountSid }),
    });
    voice.addEnvironment('WAKE_UP_QUEUE_URL', wakeUps.queue.queueUrl);
    wakeUps.queue.grantSendMessages(voice);
    authToken.grantRead(wakeUps.handler);
    voice.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.voice], resources: [table.tableArn] }));
    authToken.grantRead(voice);
    api.addRoutes({
      path: '/voice/{proxy+}',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('VoiceIntegration', voice),
    });

    // The admin function moves a waiting caller to a member back from away: it needs the REST API too.
    const admin = new AppFunction(this, 'AdminFunction', {
      handlerFile: 'admin',
      timeout: Duration.seconds(29),
      environment: {
        TABLE_NAME: table.tableName,
        TWILIO_AUTH_TOKEN_SECRET_ARN: authToken.secretArn,
        VOICE_BASE_URL: `${props.publicBaseUrl ?? api.apiEndpoint}/voice/`,
        ...(props.twilioAccountSid === undefined ? {} : { TWILIO_ACCOUNT_SID: props.twilioAccountSid }),
      },
    });
    admin.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.admin], resources: [table.tableArn] }));
    authToken.grantRead(admin);
    // The console (SPEC section 18) creates the admin function URL: its CORS names the console's origin.
    const adminConsole = new AdminConsole(this, 'Console', {
      adminFunction: admin,
      ...(props.consoleDomainPrefix === undefined ? {} : { domainPrefix: props.consoleDomainPrefix }),
    });
    const adminUrl = adminConsole.adminUrl;

    // Voicemails whose <Record> action and recording callback were both lost (the table was down):
    // every few minutes the recordings of the last day are listed through the REST API and any
    // message the table lacks is stored. It needs the Account SID; without it, it logs that it is off.
    const reconcile = new AppFunction(this, 'ReconcileFunction', {
      handlerFile: 'reconcile',
      timeout: Duration.minutes(1),
      environment: {
        TABLE_NAME: table.tableName,
        TWILIO_AUTH_TOKEN_SECRET_ARN: authToken.secretArn,
        ...(props.twilioAccountSid === undefined ? {} : { TWILIO_ACCOUNT_SID: props.twilioAccountSid }),
      },
    });
    reconcile.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.reconcile], resources: [table.tableArn] }));
    authToken.grantRead(reconcile);
    new Rule(this, 'ReconcileSchedule', {
      description: 'Stores voicemails Twilio recorded that the voice webhooks did not store',
      schedule: Schedule.rate(RECONCILE_EVERY),
      targets: [new LambdaFunction(reconcile)],
    });

    const observability = new Observability(this, 'Observability', {
      voice,
      admin,
      reconcile,
      wakeUps,
      api,
      table,
      ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
    });

    const base = props.publicBaseUrl ?? api.apiEndpoint;
    new CfnOutput(this, 'IncomingCallUrl', {
      description: 'Twilio number: "A call comes in" (HTTP POST)',
      value: `${base}/voice/incoming`,
    });
    new CfnOutput(this, 'StatusCallbackUrl', {
      description: 'Twilio number: "Call status changes" (HTTP POST)',
      value: `${base}/voice/status`,
    });
    new CfnOutput(this, 'OutboundCallUrl', {
      description: 'TwiML App voice URL (softphones) and SIP domain voice URL (desk phones), HTTP POST',
      value: `${base}/voice/outbound`,
    });
    new CfnOutput(this, 'FallbackUrl', {
      description: 'Twilio number: "Primary handler fails" (HTTP POST)',
      value: `${base}/voice/fallback`,
    });
    new CfnOutput(this, 'AdminApiUrl', {
      description: 'Admin API (function URL, AWS_IAM auth: sign requests with SigV4)',
      value: adminUrl.url,
    });
    new CfnOutput(this, 'AuthTokenSecretArn', { description: 'Put the Twilio auth token into this secret', value: authToken.secretArn });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm notifies this SNS topic (ALARM and OK); -c alarmEmail=... subscribes an address',
      value: observability.alarmTopic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', { description: 'CloudWatch dashboard', value: observability.dashboard.dashboardName });
    new CfnOutput(this, 'AccessLogGroupName', { description: "The voice HTTP API's access logs (JSON)", value: accessLogs.logGroupName });
  }
}
