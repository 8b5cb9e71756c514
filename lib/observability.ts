import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, metricNames, OUTCOME_DIMENSION } from '../functions/commons/metric-names.js';
import type { AppFunction } from './app-function.js';
import type { WakeUps } from './wake-ups.js';

export interface ObservabilityProps {
  readonly voice: AppFunction;
  readonly admin: AppFunction;
  readonly reconcile: AppFunction;
  readonly wakeUps: WakeUps;
  readonly api: HttpApi;
  readonly table: Table;
  /**
   * An address the alarm topic mails (an email subscription: AWS mails a confirmation link first).
   * @default no subscription: subscribe to the topic (output AlarmTopicArn) yourself
   */
  readonly alarmEmail?: string;
}

/** Every alarm looks at five minutes at a time. */
const FIVE_MINUTES = Duration.minutes(5);
/** SPEC section 12: every webhook answers within 3 seconds. */
const WEBHOOK_DEADLINE_MS = 3000;
/** A Powertools metric's `service` dimension (lib/app-function.ts sets POWERTOOLS_SERVICE_NAME). */
const SERVICE_DIMENSION = 'service';
/** The table operations the functions perform (lib/table-permissions.ts), for the per-operation metrics. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.QUERY,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.DELETE_ITEM,
  Operation.TRANSACT_WRITE_ITEMS,
];

/**
 * What an operator watches: the alarm topic and its alarms (each notifies the topic on ALARM and on
 * OK), and one dashboard of the calls (the functions' own metrics, functions/commons/metric-names.ts)
 * and of the services under them.
 */
export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { voice, admin, reconcile, api, table } = props;
    const functions = [voice, admin, reconcile, props.wakeUps.handler];

    this.alarmTopic = this.createAlarmTopic(props.alarmEmail);
    const action = new SnsAction(this.alarmTopic);
    const alarmOnAny = (alarmId: string, description: string, metric: IMetric, threshold = 1): Alarm => {
      const alarm = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
      return alarm;
    };

    /** One of the functions' own metrics (Powertools, EMF), as one function emits it. */
    const appMetric = (fn: AppFunction, metricName: string, statistic: string, label?: string): Metric =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { [SERVICE_DIMENSION]: fn.serviceName },
        statistic,
        period: FIVE_MINUTES,
        ...(label === undefined ? {} : { label }),
      });
    /** The sum of a count every function may emit (the REST client is shared), a missing series as 0. */
    const sumOverFunctions = (metricName: string, label: string): MathExpression =>
      new MathExpression({
        expression: functions.map((fn) => `FILL(${fn.handlerFile}, 0)`).join(' + '),
        usingMetrics: Object.fromEntries(functions.map((fn) => [fn.handlerFile, appMetric(fn, metricName, 'Sum')])),
        label,
        period: FIVE_MINUTES,
      });
    /** Every series of a metric, whatever its dimensions' values (a line per outcome, per function). */
    const search = (dimensions: readonly string[], metricName: string, statistic: string, label: string): MathExpression =>
      new MathExpression({
        expression: `SEARCH('{${[METRICS_NAMESPACE, ...dimensions].join(',')}} MetricName="${metricName}"', '${statistic}', ${FIVE_MINUTES.toSeconds()})`,
        usingMetrics: {},
        label,
        period: FIVE_MINUTES,
      });

    // --- Alarms: any of these in five minutes is worth a look.
    alarmOnAny(
      'ApologiesAlarm',
      'A caller heard the apology (a webhook answered with the fault TwiML, or Twilio requested the fallback URL)',
      appMetric(voice, metricNames.apologies, 'Sum'),
    );
    alarmOnAny(
      'RestFailuresAlarm',
      "A request to Twilio's REST API failed after its retries (a waiting caller was not moved, or voicemails were not listed): check the auth token and Twilio's status",
      sumOverFunctions(metricNames.restFailures, 'REST failures'),
    );
    // A voice webhook that logged at level error (Powertools writes ERROR or CRITICAL; the local logger
    // wrote error): a fault that may not have reached a caller yet.
    const errorLogs = new MetricFilter(this, 'VoiceErrorLogFilter', {
      logGroup: voice.logGroupRef,
      filterPattern: FilterPattern.any(...['ERROR', 'CRITICAL', 'error'].map((level) => FilterPattern.stringValue('$.level', '=', level))),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'VoiceErrorLogs',
      metricValue: '1',
    });
    alarmOnAny(
      'VoiceErrorLogAlarm',
      'A voice webhook logged an error (search the voice log group for level ERROR)',
      errorLogs.metric({ statistic: 'Sum', period: FIVE_MINUTES }),
    );
    alarmOnAny(
      'VoiceErrorsAlarm',
      'The voice function failed (Twilio then requests the Fallback URL)',
      voice.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    alarmOnAny(
      'VoiceThrottlesAlarm',
      'The voice function was throttled',
      voice.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    alarmOnAny(
      'VoiceSlowAlarm',
      `A voice webhook took ${WEBHOOK_DEADLINE_MS} ms or more: callers may have heard silence (SPEC section 12)`,
      voice.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      WEBHOOK_DEADLINE_MS,
    );
    alarmOnAny(
      'VoiceApiServerErrorsAlarm',
      'The HTTP API answered Twilio with a 5xx (an integration failure or timeout)',
      api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    alarmOnAny(
      'AdminErrorsAlarm',
      'The admin function failed (an administrator saw an error)',
      admin.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    // A failing reconciliation is otherwise silent until someone misses a message.
    alarmOnAny(
      'ReconcileErrorsAlarm',
      'The voicemail reconciliation failed (lost voicemails are not being recovered)',
      reconcile.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    );
    // A wake-up that failed three times: a member was offered their waiting caller only by the polling.
    alarmOnAny(
      'WakeUpDeadLettersAlarm',
      'Wrap-up wake-ups failed three times and were set aside (members were offered waiting callers later than their wrap-up end)',
      props.wakeUps.deadLetters.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
    );

    // --- The dashboard: the calls first, then what serves them.
    const graph = (title: string, left: IMetric[], options: { width?: number; stacked?: boolean; right?: IMetric[] } = {}): GraphWidget =>
      new GraphWidget({
        title,
        left,
        ...(options.right === undefined ? {} : { right: options.right }),
        width: options.width ?? 8,
        height: 6,
        stacked: options.stacked ?? false,
        period: FIVE_MINUTES,
      });
    const percentiles = (metricName: string): Metric[] => [
      appMetric(voice, metricName, 'p50', 'p50'),
      appMetric(voice, metricName, 'p90', 'p90'),
      appMetric(voice, metricName, 'Maximum', 'max'),
    ];
    const perFunction = (metric: (fn: AppFunction) => IMetric): IMetric[] => functions.map(metric);
    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown: `# Queue groups\nCalls, apologies and offers come from the functions' own metrics (namespace \`${METRICS_NAMESPACE}\`, one \`service\` per function); every alarm notifies the alarm topic (output AlarmTopicArn).`,
          width: 12,
          height: 3,
        }),
        new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12, height: 3 }),
      ],
      [
        graph('Calls by outcome', [search([OUTCOME_DIMENSION, SERVICE_DIMENSION], metricNames.callsEnded, 'Sum', '')], { stacked: true }),
        graph('Apologies', [search([SERVICE_DIMENSION], metricNames.apologies, 'Sum', '')]),
        graph('Offers', [search([SERVICE_DIMENSION], metricNames.offers, 'Sum', '')]),
      ],
      [
        graph('Time to answer (seconds)', percentiles(metricNames.timeToAnswer)),
        graph('Waiting time (seconds)', percentiles(metricNames.waitingTime)),
        graph('Twilio REST failures', [search([SERVICE_DIMENSION], metricNames.restFailures, 'Sum', '')]),
      ],
      [
        graph('Function errors and throttles', [
          ...perFunction((fn) => fn.metricErrors({ statistic: 'Sum', label: `${fn.handlerFile} errors`, period: FIVE_MINUTES })),
          ...perFunction((fn) => fn.metricThrottles({ statistic: 'Sum', label: `${fn.handlerFile} throttles`, period: FIVE_MINUTES })),
        ]),
        graph('Function duration (ms): p99 and max', [
          ...perFunction((fn) => fn.metricDuration({ statistic: 'p99', label: `${fn.handlerFile} p99`, period: FIVE_MINUTES })),
          ...perFunction((fn) => fn.metricDuration({ statistic: 'Maximum', label: `${fn.handlerFile} max`, period: FIVE_MINUTES })),
        ]),
        graph(
          'Function invocations and concurrency',
          perFunction((fn) => fn.metricInvocations({ statistic: 'Sum', label: `${fn.handlerFile} invocations`, period: FIVE_MINUTES })),
          {
            right: perFunction((fn) =>
              fn.metric('ConcurrentExecutions', { statistic: 'Maximum', label: `${fn.handlerFile} concurrency`, period: FIVE_MINUTES }),
            ),
          },
        ),
      ],
      [
        graph('Table throttles and system errors', [
          table.metric('ReadThrottleEvents', { statistic: 'Sum', label: 'read throttle events', period: FIVE_MINUTES }),
          table.metric('WriteThrottleEvents', { statistic: 'Sum', label: 'write throttle events', period: FIVE_MINUTES }),
          table.metricSystemErrorsForOperations({ operations: TABLE_OPERATIONS, label: 'system errors', period: FIVE_MINUTES }),
        ]),
        graph('Table: conditional checks failed (races lost)', [
          table.metricConditionalCheckFailedRequests({ statistic: 'Sum', label: 'conditional check failed', period: FIVE_MINUTES }),
        ]),
        graph('Table: consumed capacity units', [
          table.metricConsumedReadCapacityUnits({ statistic: 'Sum', label: 'read units', period: FIVE_MINUTES }),
          table.metricConsumedWriteCapacityUnits({ statistic: 'Sum', label: 'write units', period: FIVE_MINUTES }),
        ]),
      ],
      [
        graph('Voice API: requests and errors', [api.metricCount({ statistic: 'Sum', label: 'requests', period: FIVE_MINUTES })], {
          right: [
            api.metricClientError({ statistic: 'Sum', label: '4xx', period: FIVE_MINUTES }),
            api.metricServerError({ statistic: 'Sum', label: '5xx', period: FIVE_MINUTES }),
          ],
        }),
        graph('Voice API latency (ms)', [
          api.metricLatency({ statistic: 'p50', label: 'latency p50', period: FIVE_MINUTES }),
          api.metricLatency({ statistic: 'p99', label: 'latency p99', period: FIVE_MINUTES }),
          api.metricIntegrationLatency({ statistic: 'p99', label: 'integration latency p99', period: FIVE_MINUTES }),
        ]),
      ],
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.hours(3),
      widgets: rows,
    });
  }

  /** The topic every alarm notifies: encrypted with a key of its own, published to over TLS only. */
  private createAlarmTopic(alarmEmail: string | undefined): Topic {
    // CloudWatch cannot publish to a topic encrypted with the AWS managed key (alias/aws/sns): its key
    // policy cannot be changed to let CloudWatch use it. A customer managed key costs $1 a month.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the queue groups alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const fromThisAccountsAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromThisAccountsAlarms,
      }),
    );
    const topic = new Topic(this, 'AlarmTopic', {
      displayName: 'Queue groups alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // A topic policy replaces the default one: CloudWatch (this account's alarms only) may publish.
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    if (alarmEmail !== undefined) topic.addSubscription(new EmailSubscription(alarmEmail));
    return topic;
  }
}
