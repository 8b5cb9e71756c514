import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DEFAULT_SERVICE_NAME, powertoolsLogger } from './logger.js';
import { METRICS_NAMESPACE, metricNames, OUTCOME_DIMENSION } from './metric-names.js';

/**
 * The functions' metrics, in CloudWatch's embedded metric format (Powertools Metrics): JSON lines on
 * stdout that CloudWatch Logs turns into metrics of the namespace `METRICS_NAMESPACE`. Each metric
 * carries Powertools' `service` dimension (POWERTOOLS_SERVICE_NAME); `CallsEnded` also `outcome`.
 * The handlers' `logMetrics` middleware writes what an invocation counted when it ends.
 *
 * Outside Lambda (the local stack, the simulator, the test suite) nothing is written unless
 * `POWERTOOLS_METRICS_DISABLED=false` asks for it; in Lambda unless `POWERTOOLS_METRICS_DISABLED=true`.
 */
function metricsEnabled(env: NodeJS.ProcessEnv): boolean {
  const disabled = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  if (disabled !== undefined && disabled !== '') return !['1', 'true', 'on', 'yes', 'y'].includes(disabled);
  return env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
}
const enabled = metricsEnabled(process.env);

/** Powertools' notices go to the log; "no application metrics", which most webhooks have, only at DEBUG. */
const metricsLog = {
  debug: (...content: unknown[]): void => powertoolsLogger.debug(content.map(String).join(' ')),
  info: (...content: unknown[]): void => powertoolsLogger.info(content.map(String).join(' ')),
  warn: (...content: unknown[]): void => {
    const text = content.map(String).join(' ');
    if (text.startsWith('No application metrics')) powertoolsLogger.debug(text);
    else powertoolsLogger.warn(text);
  },
  error: (...content: unknown[]): void => powertoolsLogger.error(content.map(String).join(' ')),
};

/** The one Metrics instance of a function; `logMetrics(metrics)` flushes it per invocation. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME || DEFAULT_SERVICE_NAME,
  logger: metricsLog,
});

/**
 * A call's end was recorded (once per call: the status callback's conditional write succeeded), with
 * the times its record holds: from the start to the answer, and the wait in a line.
 */
export function countCallEnded(record: {
  readonly outcome: string;
  readonly answeredAfterSeconds: number | undefined;
  readonly waitedSeconds: number | undefined;
}): void {
  if (!enabled) return;
  // Its own line: the outcome dimension must not apply to the invocation's other metrics.
  const single = metrics.singleMetric();
  single.addDimension(OUTCOME_DIMENSION, record.outcome);
  single.addMetric(metricNames.callsEnded, MetricUnit.Count, 1);
  if (record.answeredAfterSeconds !== undefined)
    metrics.addMetric(metricNames.timeToAnswer, MetricUnit.Seconds, record.answeredAfterSeconds);
  if (record.waitedSeconds !== undefined) metrics.addMetric(metricNames.waitingTime, MetricUnit.Seconds, record.waitedSeconds);
}

/** `members` members were offered a call (each one rung counts). */
export function countOffers(members: number): void {
  if (!enabled || members <= 0) return;
  metrics.addMetric(metricNames.offers, MetricUnit.Count, members);
}

/** A caller gets the apology (a fault answer, the fallback URL, the last-resort error handler). */
export function countApology(): void {
  if (!enabled) return;
  metrics.addMetric(metricNames.apologies, MetricUnit.Count, 1);
}

/** A request to Twilio's REST API failed for good (not one for a call that is gone). */
export function countRestFailure(): void {
  if (!enabled) return;
  metrics.addMetric(metricNames.restFailures, MetricUnit.Count, 1);
}
