import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AppFunction } from './app-function.js';
import { TABLE_ACTIONS } from './table-permissions.js';

export interface WakeUpsProps {
  readonly table: Table;
  /** The secret holding Twilio's auth token; the stack grants the function its read. */
  readonly authTokenSecretArn: string;
  /** The public URL of the voice routes, ending in `/voice/`: the REST redirects point there. */
  readonly voiceBaseUrl: string;
  readonly twilioAccountSid?: string;
}

/**
 * Wrap-up wake-ups (SPEC 15): the voice function sends one delayed message when a member's wrap-up
 * starts (an SQS message timer, exact to the second and up to 15 minutes, which holds the longest
 * wrap-up); the wake-up function receives it when the wrap-up ends and offers the member the
 * longest-waiting caller. A message that keeps failing ends in the dead-letter queue, alarmed.
 */
export class WakeUps extends Construct {
  readonly queue: Queue;
  readonly deadLetters: Queue;
  readonly handler: AppFunction;

  constructor(scope: Construct, id: string, props: WakeUpsProps) {
    super(scope, id);
    this.deadLetters = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
    });
    this.handler = new AppFunction(this, 'Function', {
      handlerFile: 'wakeups',
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: props.table.tableName,
        TWILIO_AUTH_TOKEN_SECRET_ARN: props.authTokenSecretArn,
        VOICE_BASE_URL: props.voiceBaseUrl,
        ...(props.twilioAccountSid === undefined ? {} : { TWILIO_ACCOUNT_SID: props.twilioAccountSid }),
      },
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // A wake-up is worth nothing once its caller has waited on: the line's polling has served them.
      retentionPeriod: Duration.hours(1),
      maxMessageSizeBytes: 1024 * 8,
      // Lambda's advice: at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(180),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 3 },
    });
    this.handler.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true }));
    this.handler.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS.wakeups], resources: [props.table.tableArn] }));
  }
}
