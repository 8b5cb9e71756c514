import { idSchema, isTimeZone } from '../commons/schemas.js';
import {
  COUNT_FIELDS,
  FIGURE_FIELDS,
  FORMULAS,
  INTERVALS,
  MEMBER_FORMULAS,
  memberReport,
  report,
  statusTime,
  type Interval,
} from '../routing/report.js';
import { currentConfiguration } from '../store/configuration.js';
import { readBuckets, readStatusChanges } from '../store/report-store.js';
import { timeOf } from './requests.js';
import { badRequest, json, notFound, type AdminResult, type Problem } from './responses.js';

/** The widest report: one query per UTC day, so a year is 366 queries of at most 96 items. */
export const MAX_REPORT_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

const CSV_COLUMNS = ['interval', ...COUNT_FIELDS, ...FIGURE_FIELDS] as const;

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A report's group and time range (from inclusive, to exclusive), or the problems with them. */
export function reportRange(
  query: URLSearchParams,
  problems: Problem[],
  maxDays: number,
): { group: string; fromMs: number; toMs: number } | undefined {
  const group = query.get('group');
  if (group === null || !idSchema.safeParse(group).success) problems.push({ path: 'group', message: 'must be a group id' });
  const fromMs = timeOf(query.get('from') ?? '');
  const toMs = timeOf(query.get('to') ?? '');
  if (fromMs === undefined) problems.push({ path: 'from', message: 'must be an ISO 8601 time such as 2026-11-01T00:00:00Z' });
  if (toMs === undefined) problems.push({ path: 'to', message: 'must be an ISO 8601 time such as 2026-12-01T00:00:00Z' });
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) problems.push({ path: 'from', message: 'must be before to' });
  if (fromMs !== undefined && toMs !== undefined && toMs - fromMs > maxDays * DAY_MS)
    problems.push({ path: 'from', message: `from and to may be at most ${maxDays} days apart` });
  return group === null || fromMs === undefined || toMs === undefined || problems.length > 0 ? undefined : { group, fromMs, toMs };
}

/**
 * GET /reports?group=&from=&to=&interval=15m|hour|day|week&timeZone=&format=json|csv (SPEC 17): per
 * interval the group's counts and figures, each figure with its formula in words; read from the
 * counters only (at most 96 items a day, whatever the number of calls).
 */
export async function reportsRoute(query: URLSearchParams): Promise<AdminResult> {
  const problems: Problem[] = [];
  const range = reportRange(query, problems, MAX_REPORT_DAYS);
  const interval = (query.get('interval') ?? 'day') as Interval;
  if (!INTERVALS.includes(interval)) problems.push({ path: 'interval', message: `must be one of ${INTERVALS.join(', ')}` });
  const timeZone = query.get('timeZone') ?? 'UTC';
  if (!isTimeZone(timeZone)) problems.push({ path: 'timeZone', message: 'must be an IANA time zone such as Europe/Berlin' });
  const format = query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') problems.push({ path: 'format', message: 'must be json or csv' });
  if (problems.length > 0 || range === undefined) return badRequest('the query is invalid', problems);
  const { group, fromMs, toMs } = range;
  const settings = (await currentConfiguration()).groups.get(group);
  if (settings === undefined) return notFound(`group ${group} not found`);
  const { buckets, members: memberBuckets, itemsRead } = await readBuckets(group, fromMs, toMs);
  // Each member of the group, and anyone offered its calls in the range (a member since removed).
  const memberIds = [...new Set([...settings.members, ...memberBuckets.map((bucket) => bucket.member)])];
  const until = Math.min(toMs, Date.now());
  const statusTimes = new Map(
    await Promise.all(
      // A range that has not begun yet has no status time (and nothing to read).
      memberIds.map(
        async (member) =>
          [
            member,
            until <= fromMs ? statusTime([], fromMs, fromMs) : statusTime(await readStatusChanges(member, fromMs, until), fromMs, until),
          ] as const,
      ),
    ),
  );
  const intervals = report(buckets, interval, timeZone);
  // The whole span as one interval: every bucket placed at the span's start.
  const [total] = report(
    buckets.map((bucket) => ({ ...bucket, start: new Date(fromMs).toISOString() })),
    'day',
    'UTC',
  );
  if (format === 'csv') {
    const rows = intervals.map((row) =>
      CSV_COLUMNS.map((column) =>
        csvCell(column in row.counts ? row.counts[column as keyof typeof row.counts] : row[column as keyof typeof row]),
      ).join(','),
    );
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8' },
      body: `${[CSV_COLUMNS.join(','), ...rows].join('\n')}\n`,
    };
  }
  return json(200, {
    group,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    interval,
    timeZone,
    serviceLevelSeconds: settings.serviceLevelSeconds,
    shortAbandonSeconds: settings.shortAbandonSeconds,
    intervals,
    total: total === undefined ? null : { ...total, interval: 'total' },
    formulas: FORMULAS,
    members: memberReport(memberBuckets, memberIds, statusTimes),
    memberFormulas: MEMBER_FORMULAS,
    /** How many counter items the report read: bounded by the days asked for, never by the calls. */
    bucketsRead: itemsRead,
  });
}
