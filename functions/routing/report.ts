import type { MemberStatus } from '../commons/schemas.js';
import { talkSecondsOf, type CallRecord } from './call-outcome.js';
import { MEMBER_TALLY_FIELDS, type MemberTally } from './ledger.js';
import { wallTime } from './wall-clock.js';

/**
 * Reports (SPEC 17), decided from counters alone. Each call, when it ends, adds its figures to one
 * 15-minute bucket per group it visited (the bucket of its start, UTC); a report sums buckets into
 * intervals in a time zone. Every real time zone's offset is a whole number of quarter hours, so a
 * bucket never straddles an interval.
 */

/** What a bucket counts. All sums of whole numbers, so DynamoDB's ADD keeps them exact. */
export type Tally = {
  calls: number;
  answered: number;
  /** Callers who hung up before an answer, waiting or ringing, for at least `shortAbandonSeconds`. */
  abandoned: number;
  /** Hang-ups shorter than `shortAbandonSeconds`: counted apart, out of the service level. */
  shortAbandoned: number;
  voicemails: number;
  missed: number;
  /** Calls the group's missed-call action forwarded to a number (whatever came of it). */
  forwarded: number;
  /** Calls that came while the group was closed (its closed action ran, nobody was rung). */
  closed: number;
  callbacksRequested: number;
  calledBack: number;
  callbacksFailed: number;
  /** Answered within `serviceLevelSeconds` of the call's start. */
  answeredInTime: number;
  /** Seconds from the call's start to its answer, summed over the answered calls. */
  answerSeconds: number;
  /** Seconds talked, summed over the answered calls. */
  talkSeconds: number;
};

/** The counts a report shows per interval, in the order the CSV gives them. */
export const COUNT_FIELDS = [
  'calls',
  'answered',
  'abandoned',
  'shortAbandoned',
  'voicemails',
  'missed',
  'forwarded',
  'closed',
  'callbacksRequested',
  'calledBack',
  'callbacksFailed',
] as const satisfies readonly (keyof Tally)[];

/** Everything a bucket holds: the counts, and the sums the figures are computed from. */
export const TALLY_FIELDS: readonly (keyof Tally)[] = [...COUNT_FIELDS, 'answeredInTime', 'answerSeconds', 'talkSeconds'];

export const EMPTY_TALLY: Tally = Object.fromEntries(TALLY_FIELDS.map((field) => [field, 0])) as Tally;

/** A group's thresholds (group settings, with their defaults). */
export type ReportSettings = { serviceLevelSeconds: number; shortAbandonSeconds: number };

export const BUCKET_MS = 15 * 60 * 1000;

/**
 * What the ledger says of a call in one group beside its outcome: forwarded by the group, closed, and
 * for an answered call whether this group's offer was the one answered and how long after the call
 * entered the group. Unknown (a call without ledger events) falls back on the call's record.
 */
export type GroupSteps = {
  readonly forwarded: boolean;
  readonly closed: boolean;
  /** The group's missed-call action passed the call on to another group, whose outcome it is. */
  readonly passedOn?: boolean | undefined;
  readonly answeredHere?: boolean | undefined;
  readonly answerSeconds?: number | undefined;
};

/** What one ended call adds to its bucket, and the wait it may make the bucket's longest. */
export function tallyOf(
  record: CallRecord,
  settings: ReportSettings,
  steps: GroupSteps = { forwarded: false, closed: false },
): { add: Partial<Tally>; waitedSeconds: number | undefined } {
  const add: Partial<Tally> = { calls: 1, ...(steps.forwarded ? { forwarded: 1 } : {}), ...(steps.closed ? { closed: 1 } : {}) };
  // Passed on to another group (or answered on another group's offer): the outcome is that group's.
  if (steps.passedOn === true || (record.outcome === 'answered' && steps.answeredHere === false)) return { add, waitedSeconds: undefined };
  switch (record.outcome) {
    case 'answered': {
      const answerAfter = steps.answerSeconds ?? record.answeredAfterSeconds ?? 0;
      add.answered = 1;
      add.answerSeconds = answerAfter;
      add.talkSeconds = talkSecondsOf(record);
      if (answerAfter <= settings.serviceLevelSeconds) add.answeredInTime = 1;
      break;
    }
    case 'abandoned-ringing':
    case 'abandoned-waiting':
      if (record.durationSeconds < settings.shortAbandonSeconds) add.shortAbandoned = 1;
      else add.abandoned = 1;
      break;
    case 'voicemail':
      add.voicemails = 1;
      break;
    case 'missed':
      add.missed = 1;
      break;
    case 'callback-requested':
      add.callbacksRequested = 1;
      break;
    case 'called-back':
      // A callback is its own record, not another call of the caller's: it counts apart.
      delete add.calls;
      add.calledBack = 1;
      break;
    case 'callback-failed':
      delete add.calls;
      add.callbacksFailed = 1;
      break;
    default:
      return record.outcome satisfies never;
  }
  const waited = record.outcome === 'answered' ? (steps.answerSeconds ?? record.answeredAfterSeconds) : record.waitedSeconds;
  return { add, waitedSeconds: waited };
}

/** The UTC bucket a call belongs to: its day (the partition) and the bucket's start in that day. */
export function bucketOf(startedAt: string): { day: string; start: string } {
  const startMs = Math.floor(Date.parse(startedAt) / BUCKET_MS) * BUCKET_MS;
  const iso = new Date(startMs).toISOString();
  return { day: iso.slice(0, 10), start: iso };
}

export type Interval = '15m' | 'hour' | 'day' | 'week';
export const INTERVALS: readonly Interval[] = ['15m', 'hour', 'day', 'week'];

export type Bucket = { start: string; tally: Tally; longestWaitSeconds: number };

/** The local label of the interval an instant falls in: `2026-11-27 09:15`, `2026-11-27 09:00`, `2026-11-27`, or the week's Monday. */
export function intervalOf(atMs: number, interval: Interval, timeZone: string): string {
  const local = wallTime(atMs, timeZone);
  const pad = (value: number): string => String(value).padStart(2, '0');
  switch (interval) {
    case '15m':
      return `${local.date} ${pad(local.hour)}:${pad(Math.floor(local.minute / 15) * 15)}`;
    case 'hour':
      return `${local.date} ${pad(local.hour)}:00`;
    case 'day':
      return local.date;
    case 'week': {
      const monday = new Date(`${local.date}T00:00:00Z`);
      monday.setUTCDate(monday.getUTCDate() - local.weekday);
      return `week of ${monday.toISOString().slice(0, 10)}`;
    }
    default:
      return interval satisfies never;
  }
}

/** The figures computed from an interval's sums, in the order the CSV gives them. */
export const FIGURE_FIELDS = ['serviceLevel', 'averageSpeedOfAnswerSeconds', 'longestWaitSeconds', 'averageTalkSeconds'] as const;

/** The figures of one interval, each with its formula in words. */
export type IntervalReport = {
  interval: string;
  counts: Tally;
  serviceLevel: number | null;
  averageSpeedOfAnswerSeconds: number | null;
  longestWaitSeconds: number;
  averageTalkSeconds: number | null;
};

export const FORMULAS = {
  calls:
    'calls that started in the interval and visited the group (a call that visited several groups counts in each; its outcome only in the group where it ended, not in a group that passed it on)',
  answered: "calls a member answered on this group's offer (a call passed on to another group and answered there is not answered here)",
  abandoned: 'callers who hung up before an answer (ringing or waiting) after at least shortAbandonSeconds',
  shortAbandoned: 'callers who hung up before an answer within shortAbandonSeconds: not in the service level',
  voicemails: 'calls that ended in a voicemail',
  missed: 'calls nobody answered that left no voicemail and did not hang up first (hangup or unanswered forward)',
  forwarded: "calls the group's missed-call action forwarded to a number (answered there or not)",
  closed: 'calls that came while the group was closed: its closed action ran and nobody was rung',
  callbacksRequested: 'callers who asked to be called back from the waiting line',
  calledBack: 'callbacks that reached the caller (counted apart from calls)',
  callbacksFailed: 'callbacks that reached nobody after every attempt (counted apart from calls)',
  serviceLevel: 'answered within serviceLevelSeconds of joining the group ÷ (answered + abandoned); null without either',
  averageSpeedOfAnswerSeconds: 'sum of seconds from joining the group to the answer ÷ answered; null without answers',
  longestWaitSeconds: 'the longest time a caller waited: to the answer, or in the line until they left',
  averageTalkSeconds: 'sum of seconds talked after the answer ÷ answered; null without answers',
} as const;

const round = (value: number, digits = 3): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** Sum buckets into intervals (in order), each with its figures. */
export function report(buckets: readonly Bucket[], interval: Interval, timeZone: string): IntervalReport[] {
  const byInterval = new Map<string, { tally: Tally; longest: number }>();
  for (const bucket of [...buckets].sort((a, b) => a.start.localeCompare(b.start))) {
    const label = intervalOf(Date.parse(bucket.start), interval, timeZone);
    const current = byInterval.get(label) ?? { tally: { ...EMPTY_TALLY }, longest: 0 };
    for (const field of TALLY_FIELDS) current.tally[field] += bucket.tally[field];
    current.longest = Math.max(current.longest, bucket.longestWaitSeconds);
    byInterval.set(label, current);
  }
  return [...byInterval].map(([label, { tally, longest }]) => {
    const served = tally.answered + tally.abandoned;
    return {
      interval: label,
      counts: tally,
      serviceLevel: served === 0 ? null : round(tally.answeredInTime / served),
      averageSpeedOfAnswerSeconds: tally.answered === 0 ? null : round(tally.answerSeconds / tally.answered, 1),
      longestWaitSeconds: longest,
      averageTalkSeconds: tally.answered === 0 ? null : round(tally.talkSeconds / tally.answered, 1),
    };
  });
}

/** A member's figures in one bucket of a group. */
export type MemberBucket = { start: string; member: string; tally: MemberTally };

/** A member's status from a moment on (epoch ms). */
export type StatusChange = { at: number; status: MemberStatus };

/**
 * Seconds a member spent available and away within [fromMs, toMs), from their status changes in
 * time order (the first may lie before the range: the status the range starts with). Time before the
 * first recorded change is not known, and counts as neither.
 */
export function statusTime(
  changes: readonly StatusChange[],
  fromMs: number,
  toMs: number,
): { availableSeconds: number; awaySeconds: number } {
  const sorted = [...changes].sort((a, b) => a.at - b.at);
  const seconds = { available: 0, away: 0 };
  sorted.forEach((change, index) => {
    const start = Math.max(change.at, fromMs);
    const end = Math.min(sorted[index + 1]?.at ?? toMs, toMs);
    if (end > start) seconds[change.status] += (end - start) / 1000;
  });
  return { availableSeconds: Math.round(seconds.available), awaySeconds: Math.round(seconds.away) };
}

export type MemberReport = MemberTally & {
  member: string;
  answerRate: number | null;
  availableSeconds: number;
  awaySeconds: number;
};

export const MEMBER_FORMULAS = {
  offers: "times the member's phones rang for a call of the group (a member rung with others counts one offer)",
  answered: 'offers the member answered',
  missedOffers: 'offers the member did not answer (rang out, declined, busy, or the caller hung up while ringing) = offers − answered',
  answerRate: 'answered ÷ offers; null without offers',
  talkSeconds: 'seconds the member talked on the calls they answered',
  availableSeconds: 'seconds the member’s status was available within the range, from their recorded status changes',
  awaySeconds: 'seconds the member’s status was away within the range, from their recorded status changes',
} as const;

/** The members' figures over the whole range: their buckets summed, their status time beside. */
export function memberReport(
  buckets: readonly MemberBucket[],
  members: readonly string[],
  statusTimes: ReadonlyMap<string, { availableSeconds: number; awaySeconds: number }>,
): MemberReport[] {
  const totals = new Map<string, MemberTally>(
    members.map((member) => [member, { offers: 0, answered: 0, missedOffers: 0, talkSeconds: 0 }]),
  );
  for (const bucket of buckets) {
    const total = totals.get(bucket.member) ?? { offers: 0, answered: 0, missedOffers: 0, talkSeconds: 0 };
    for (const field of MEMBER_TALLY_FIELDS) total[field] += bucket.tally[field];
    totals.set(bucket.member, total);
  }
  return [...totals].map(([member, tally]) => ({
    member,
    ...tally,
    answerRate: tally.offers === 0 ? null : round(tally.answered / tally.offers),
    availableSeconds: statusTimes.get(member)?.availableSeconds ?? 0,
    awaySeconds: statusTimes.get(member)?.awaySeconds ?? 0,
  }));
}
