/**
 * The names of the metrics the functions emit (CloudWatch embedded metric format) and the stack's
 * dashboard and alarms read: one list, so a renamed metric cannot leave a dashboard widget empty.
 */
export const METRICS_NAMESPACE = 'QueueGroups';

export const metricNames = {
  /** A call ended; dimension `outcome` (answered, voicemail, forwarded, abandoned, hung-up, ...). */
  callsEnded: 'CallsEnded',
  /** A caller heard the apology because something failed (a fault answer or the fallback URL). */
  apologies: 'Apologies',
  /** A member (or all at once: each member) was offered a call. */
  offers: 'Offers',
  /** From the call's start to a member's answer, in seconds. */
  timeToAnswer: 'TimeToAnswer',
  /** How long a caller waited in the line before a member answered or they left, in seconds. */
  waitingTime: 'WaitingTime',
  /** A request to Twilio's REST API failed (after its retries). */
  restFailures: 'RestFailures',
} as const;

/** The dimension of `callsEnded`. */
export const OUTCOME_DIMENSION = 'outcome';
