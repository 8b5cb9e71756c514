import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Group, type Member } from '../api.js';
import { Field, FormAlert, errorsOf, noErrors, targetValue, type FormErrors } from '../forms.js';
import { LoadError, messageOf, useLoad } from '../load.js';
import { href } from '../router.js';
import {
  EMPTY_TALLY,
  intervalOf,
  type Interval,
  type IntervalReport as IntervalRow,
  type MEMBER_FORMULAS,
  type MemberReport as MemberFigures,
  type Tally as Counts,
} from '../../../functions/routing/report.js';
import { wallTime, type WallTime } from '../../../functions/routing/wall-clock.js';

/**
 * Reports (`GET /reports`, SPEC 17): a group's calls and figures per interval over a range of days
 * in a time zone, as a chart (calls as bars, the service level as a line), a table with a total row,
 * the formula of each figure, each member's figures over the whole range, and the same query as CSV
 * and as Asterisk `queue_log` lines. The form's days are whole local days in the chosen zone: From's
 * midnight to the midnight after To, so To is included.
 */

export type { Interval, IntervalReport as IntervalRow, Tally as Counts } from '../../../functions/routing/report.js';

const INTERVALS: Record<Interval, string> = { '15m': '15 minutes', hour: 'Hour', day: 'Day', week: 'Week' };

export type Report = {
  group: string;
  from: string;
  to: string;
  interval: Interval;
  timeZone: string;
  serviceLevelSeconds: number;
  shortAbandonSeconds: number;
  intervals: IntervalRow[];
  total: IntervalRow | null;
  formulas: Record<string, string>;
  /** Totals over the whole range: one row per member offered a call in it or in the group now. */
  members: MemberFigures[];
  memberFormulas: Record<keyof typeof MEMBER_FORMULAS, string>;
  bucketsRead: number;
};

type MemberFigure = Exclude<keyof MemberFigures, 'member'>;

type Draft = { group: string; from: string; to: string; interval: Interval; timeZone: string };
type Query = Draft & { fromIso: string; toIso: string };

const FIELD_PATHS = ['group', 'from', 'to', 'interval', 'timeZone'] as const;

/** How each figure reads in the table and the formulas list. */
const FIGURES: [keyof Counts | 'serviceLevel' | 'averageSpeedOfAnswerSeconds' | 'longestWaitSeconds' | 'averageTalkSeconds', string][] = [
  ['calls', 'Calls'],
  ['answered', 'Answered'],
  ['abandoned', 'Abandoned'],
  ['shortAbandoned', 'Short abandons'],
  ['voicemails', 'Voicemails'],
  ['missed', 'Missed'],
  ['forwarded', 'Forwarded'],
  ['closed', 'Closed'],
  ['callbacksRequested', 'Callbacks requested'],
  ['calledBack', 'Called back'],
  ['callbacksFailed', 'Callbacks failed'],
  ['serviceLevel', 'Service level (%)'],
  ['averageSpeedOfAnswerSeconds', 'Average speed of answer (s)'],
  ['longestWaitSeconds', 'Longest wait (s)'],
  ['averageTalkSeconds', 'Average talk (s)'],
];

/** How each member figure reads in the member table and its formulas; the times as durations. */
const MEMBER_FIGURES: [MemberFigure, string][] = [
  ['offers', 'Offers'],
  ['answered', 'Answered'],
  ['missedOffers', 'Missed offers'],
  ['answerRate', 'Answer rate (%)'],
  ['talkSeconds', 'Talk time'],
  ['availableSeconds', 'Time available'],
  ['awaySeconds', 'Time away'],
];

const DAY_MS = 24 * 3600 * 1000;

/** A date (`YYYY-MM-DD`) of the browser's calendar, `days` from today. */
function localDate(days: number): string {
  const at = new Date();
  at.setDate(at.getDate() + days);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/** The browser's IANA time zone, or UTC when it names none: the zone the console shows times in. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

/** The wall clock of `timeZone` (the API's own), or undefined when the browser does not know the zone. */
function wallClock(timeZone: string): ((atMs: number) => WallTime) | undefined {
  try {
    wallTime(0, timeZone);
  } catch {
    return undefined;
  }
  return (atMs) => wallTime(atMs, timeZone);
}

/**
 * The instant a local date's day starts in `timeZone` (as ISO), or the date at UTC midnight when the
 * browser does not know the zone (the API then names the zone's problem), or the text itself when it
 * is no date (the API names that too).
 */
function startOfDay(date: string, timeZone: string, plusDays = 0): string {
  const wall = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(wall)) return date;
  const target = wall + plusDays * DAY_MS;
  const clock = wallClock(timeZone);
  if (clock === undefined) return new Date(target).toISOString();
  // The zone's offset at the guess, twice: the second corrects a guess on the far side of a change.
  let at = target;
  for (let round = 0; round < 2; round++) at = target - (clock(at).wallMs - Math.floor(at / 1000) * 1000);
  return new Date(at).toISOString();
}

/** The most intervals the table lists with the empty ones; past it, only those with calls. */
const MAX_TABLE_ROWS = 62;

/** The most intervals filled in between the API's (which lists only intervals with calls). */
const MAX_FILLED = 3000;

/**
 * Every interval of the range in order, the API's rows where it has them and empty ones between, so
 * a day without calls shows as such. Without the zone (or past MAX_FILLED) the API's rows alone.
 */
export function allIntervals(report: Report): IntervalRow[] {
  const clock = wallClock(report.timeZone);
  const fromMs = Date.parse(report.from);
  const toMs = Date.parse(report.to);
  if (clock === undefined || Number.isNaN(fromMs) || Number.isNaN(toMs)) return report.intervals;
  const step = report.interval === '15m' || report.interval === 'hour' ? 15 * 60 * 1000 : 3600 * 1000;
  const labels = new Set<string>();
  for (let at = fromMs; at < toMs; at += step) {
    labels.add(intervalOf(at, report.interval, report.timeZone));
    if (labels.size > MAX_FILLED) return report.intervals;
  }
  const known = new Map(report.intervals.map((row) => [row.interval, row]));
  for (const label of known.keys()) labels.add(label);
  return [...labels]
    .sort((a, b) => a.localeCompare(b))
    .map(
      (label) =>
        known.get(label) ?? {
          interval: label,
          counts: { ...EMPTY_TALLY },
          serviceLevel: null,
          averageSpeedOfAnswerSeconds: null,
          longestWaitSeconds: 0,
          averageTalkSeconds: null,
        },
    );
}

const percent = (level: number | null): string => (level === null ? '—' : String(Math.round(level * 1000) / 10));
const seconds = (value: number | null): string => (value === null ? '—' : String(value));

function cell(row: IntervalRow, figure: (typeof FIGURES)[number][0]): string {
  switch (figure) {
    case 'serviceLevel':
      return percent(row.serviceLevel);
    case 'averageSpeedOfAnswerSeconds':
    case 'averageTalkSeconds':
    case 'longestWaitSeconds':
      return seconds(row[figure]);
    default:
      return String(row.counts[figure]);
  }
}

/**
 * A total of seconds as hours:minutes:seconds, always with the hours (`0:04:05`), so a column of
 * times a member spent lines up and reads the same whatever its size; given as an ISO duration too.
 */
function hours(total: number): JSX.Element {
  const whole = Math.max(0, Math.round(total));
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    <time dateTime={`PT${whole}S`}>
      {Math.floor(whole / 3600)}:{pad(Math.floor((whole % 3600) / 60))}:{pad(whole % 60)}
    </time>
  );
}

function memberCell(row: MemberFigures, figure: MemberFigure): JSX.Element | string {
  switch (figure) {
    case 'answerRate':
      return percent(row.answerRate);
    case 'talkSeconds':
    case 'availableSeconds':
    case 'awaySeconds':
      return hours(row[figure]);
    case 'offers':
    case 'answered':
    case 'missedOffers':
      return String(row[figure]);
    default:
      return figure satisfies never;
  }
}

/** The queue_log lines of the same range (the group's calls as Asterisk writes them: no intervals, no zone). */
function queueLogPath(query: Query): string {
  const search = new URLSearchParams({ group: query.group, from: query.fromIso, to: query.toIso });
  return `/reports/queue-log?${search.toString()}`;
}

function reportPath(query: Query, format: 'json' | 'csv'): string {
  const search = new URLSearchParams({
    group: query.group,
    from: query.fromIso,
    to: query.toIso,
    interval: query.interval,
    timeZone: query.timeZone,
    format,
  });
  return `/reports?${search.toString()}`;
}

export function ReportsPage(): JSX.Element {
  const groups = useLoad(() => api().get<{ groups: Group[] }>('/groups'), []);
  // Only for the members' names: without them the member table shows ids, so its failure is not shown.
  const members = useLoad(() => api().get<{ users: Member[] }>('/users'), []);
  const [draft, setDraft] = useState<Draft>(() => ({
    group: '',
    from: localDate(-6),
    to: localDate(0),
    interval: 'day',
    timeZone: browserTimeZone(),
  }));
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [shown, setShown] = useState<{ query: Query; report: Report } | undefined>(undefined);
  const [reading, setReading] = useState(false);
  const list = groups.data?.groups;
  // The first group until one is chosen.
  const group = draft.group !== '' ? draft.group : (list?.[0]?.id ?? '');
  const setField = <K extends keyof Draft>(key: K, value: Draft[K]): void => setDraft((current) => ({ ...current, [key]: value }));

  async function show(): Promise<void> {
    const query: Query = {
      ...draft,
      group,
      timeZone: draft.timeZone.trim(),
      fromIso: startOfDay(draft.from, draft.timeZone.trim()),
      toIso: startOfDay(draft.to, draft.timeZone.trim(), 1),
    };
    setReading(true);
    try {
      const report = await api().get<Report>(reportPath(query, 'json'));
      setShown({ query, report });
      setErrors(noErrors);
    } catch (failure) {
      setShown(undefined);
      if (failure instanceof ApiError && failure.status === 404)
        setErrors({
          top: [`There is no group ${query.group}: it may have been deleted. Choose another group.`],
          fields: new Map([['group', ['no such group']]]),
        });
      else setErrors(errorsOf(failure, FIELD_PATHS));
    } finally {
      setReading(false);
    }
  }

  return (
    <>
      <h1>Reports</h1>
      <form
        class="filters"
        aria-label="Report"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void show();
        }}
      >
        <FormAlert errors={errors} />
        <Field id="report-group" label="Group" path="group" errors={errors}>
          {(control) => (
            <select {...control} value={group} onChange={(event) => setField('group', targetValue(event))}>
              {list === undefined ? <option value="">Loading groups…</option> : null}
              {list?.map((each) => (
                <option key={each.id} value={each.id}>
                  {each.name} ({each.id})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="report-from" label="From" path="from" errors={errors}>
          {(control) => <input {...control} type="date" value={draft.from} onInput={(event) => setField('from', targetValue(event))} />}
        </Field>
        <Field id="report-to" label="To" path="to" errors={errors}>
          {(control) => <input {...control} type="date" value={draft.to} onInput={(event) => setField('to', targetValue(event))} />}
        </Field>
        <Field id="report-interval" label="Interval" path="interval" errors={errors}>
          {(control) => (
            <select {...control} value={draft.interval} onChange={(event) => setField('interval', targetValue(event) as Interval)}>
              {Object.entries(INTERVALS).map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="report-zone" label="Time zone" path="timeZone" errors={errors}>
          {(control) => (
            <input {...control} type="text" value={draft.timeZone} onInput={(event) => setField('timeZone', targetValue(event))} />
          )}
        </Field>
        <button type="submit" disabled={reading}>
          {reading ? 'Reading…' : 'Show report'}
        </button>
      </form>
      <LoadError error={groups.error} />
      {list !== undefined && list.length === 0 ? (
        <p>
          No groups yet: <a href={href('groups')}>create one</a>.
        </p>
      ) : null}
      {shown === undefined ? null : (
        <ReportView query={shown.query} report={shown.report} groups={list ?? []} members={members.data?.users ?? []} />
      )}
    </>
  );
}

function ReportView(props: { query: Query; report: Report; groups: readonly Group[]; members: readonly Member[] }): JSX.Element {
  const { query, report } = props;
  const name = props.groups.find((each) => each.id === report.group)?.name ?? report.group;
  const range = query.from === query.to ? query.from : `${query.from} to ${query.to}`;
  const rows = allIntervals(report);
  // The chart's time axis is whole; the table leaves out empty intervals once they would bury the others.
  const tableRows = rows.length <= MAX_TABLE_ROWS ? rows : report.intervals;
  const leftOut = rows.length - tableRows.length;
  const total = report.total;
  return (
    <section class="report" aria-labelledby="report-heading">
      <div class="page-head">
        <h2 id="report-heading">
          {name} <span class="muted">({report.group})</span>, {range}
        </h2>
        <div class="downloads">
          <Download
            path={reportPath(query, 'csv')}
            fileName={`report-${query.group}-${query.from}-${query.to}-${query.interval}.csv`}
            type="text/csv"
            label="Download CSV"
            busyLabel="Preparing CSV…"
          />
          <Download
            path={queueLogPath(query)}
            fileName={`queue_log-${query.group}-${query.from}-${query.to}.txt`}
            type="text/plain"
            label="Download queue_log"
            busyLabel="Preparing queue_log…"
          />
        </div>
      </div>
      <p class="hint">
        Per {INTERVALS[report.interval].toLowerCase()} in {report.timeZone}. Service level: answered within {report.serviceLevelSeconds} s;
        hang-ups within {report.shortAbandonSeconds} s are short abandons.
      </p>
      {total === null ? (
        <p role="status">No calls in this range.</p>
      ) : (
        <>
          <p role="status">
            {total.counts.calls} {total.counts.calls === 1 ? 'call' : 'calls'}, service level{' '}
            {total.serviceLevel === null ? 'not measured (nobody answered or hung up)' : `${percent(total.serviceLevel)} %`}.
          </p>
          <Chart rows={rows} interval={report.interval} title={`Calls and service level per ${INTERVALS[report.interval].toLowerCase()}`} />
          {leftOut === 0 ? null : (
            <p class="hint">
              {leftOut} {leftOut === 1 ? 'interval' : 'intervals'} without calls {leftOut === 1 ? 'is' : 'are'} left out of the table (the
              chart shows them).
            </p>
          )}
          <div class="table-scroll">
            <table class="report-table">
              <caption>
                {name}: figures per {INTERVALS[report.interval].toLowerCase()}, {range} ({report.timeZone})
              </caption>
              <FigureHead first="Interval" figures={FIGURES} />
              <tbody>
                {tableRows.map((row) => (
                  <tr key={row.interval} data-interval={row.interval} class={row.counts.calls === 0 ? 'empty' : undefined}>
                    <th scope="row">{row.interval}</th>
                    {FIGURES.map(([key]) => (
                      <td key={key} class="number">
                        {cell(row, key)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr data-total="">
                  <th scope="row">Total</th>
                  {FIGURES.map(([key]) => (
                    <td key={key} class="number">
                      {cell(total, key)}
                    </td>
                  ))}
                </tr>
              </tfoot>
            </table>
          </div>
        </>
      )}
      <Formulas summary="How each figure is counted" formulas={report.formulas} figures={FIGURES}>
        <p class="hint">
          For this group serviceLevelSeconds is {report.serviceLevelSeconds} and shortAbandonSeconds is {report.shortAbandonSeconds}. The
          report read {report.bucketsRead} counter {report.bucketsRead === 1 ? 'item' : 'items'}.
        </p>
      </Formulas>
      <MemberTable report={report} members={props.members} title={`${name}: each member's figures, ${range}`} />
    </section>
  );
}

/** A figures table's column headers: the rows' own column, then one per figure. */
function FigureHead(props: { first: string; figures: readonly (readonly [string, string])[] }): JSX.Element {
  return (
    <thead>
      <tr>
        <th scope="col">{props.first}</th>
        {props.figures.map(([key, label]) => (
          <th key={key} scope="col" class="number">
            {label}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/** Each figure's formula in words, as the API answers them, under the figure's column label. */
function Formulas(props: {
  summary: string;
  formulas: Readonly<Record<string, string>>;
  figures: readonly (readonly [string, string])[];
  children?: ComponentChildren;
}): JSX.Element {
  return (
    <details class="formulas">
      <summary>{props.summary}</summary>
      <dl>
        {Object.entries(props.formulas).map(([key, words]) => (
          <div key={key}>
            <dt>{props.figures.find(([figure]) => figure === key)?.[1] ?? key}</dt>
            <dd>{words}</dd>
          </div>
        ))}
      </dl>
      {props.children}
    </details>
  );
}

/** Each member's figures over the whole range, by the member's name where the members list has it. */
function MemberTable(props: { report: Report; members: readonly Member[]; title: string }): JSX.Element {
  const { report } = props;
  const names = new Map(props.members.map((member) => [member.id, member.name]));
  return (
    <section aria-labelledby="report-members-heading" class="report-members">
      <h3 id="report-members-heading">Members</h3>
      {report.members.length === 0 ? (
        <p>No member was offered a call in this range, and the group has no members.</p>
      ) : (
        <div class="table-scroll">
          <table class="report-table">
            <caption>{props.title}</caption>
            <FigureHead first="Member" figures={MEMBER_FIGURES} />
            <tbody>
              {report.members.map((row) => {
                const name = names.get(row.member);
                return (
                  <tr key={row.member} data-member={row.member}>
                    <th scope="row">
                      {name ?? row.member}
                      {name === undefined || name === row.member ? null : <span class="muted"> ({row.member})</span>}
                    </th>
                    {MEMBER_FIGURES.map(([key]) => (
                      <td key={key} class="number" data-figure={key}>
                        {memberCell(row, key)}
                      </td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <Formulas summary="How each member figure is counted" formulas={report.memberFormulas} figures={MEMBER_FIGURES} />
    </section>
  );
}

/**
 * A download of the admin API (the report as CSV, the queue_log lines) as a button, not a link: it is
 * fetched through the admin API's client, signed when deployed as every request is, and saved from
 * an object URL.
 */
function Download(props: { path: string; fileName: string; type: string; label: string; busyLabel: string }): JSX.Element {
  const [state, setState] = useState<'idle' | 'loading'>('idle');
  const [error, setError] = useState<string | undefined>(undefined);
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => () => (url === undefined ? undefined : URL.revokeObjectURL(url)), [url]);

  async function download(): Promise<void> {
    setState('loading');
    try {
      const answer = await api().blob(props.path);
      const objectUrl = URL.createObjectURL(new Blob([answer], { type: props.type }));
      setUrl(objectUrl);
      setError(undefined);
      const link = document.createElement('a');
      link.href = objectUrl;
      link.download = props.fileName;
      document.body.append(link);
      link.click();
      link.remove();
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setState('idle');
    }
  }

  return (
    <div class="download">
      <button type="button" class="secondary" disabled={state === 'loading'} onClick={() => void download()}>
        {state === 'loading' ? props.busyLabel : props.label}
      </button>
      {error === undefined ? null : (
        <span class="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </div>
  );
}

/** Steps of 1, 2 or 5 times a power of ten: the smallest giving at most `ticks` steps up to `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = Math.max(1, max / ticks);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= raw) ?? 10 * power;
  return Math.max(1, step);
}

const WIDTH = 860;
const HEIGHT = 320;
const LEFT = 56;
const RIGHT = 64;
const TOP = 40;
const BOTTOM = 64;

/**
 * Calls per interval as bars (left axis) and the service level in % as a line with dots (right
 * axis; broken where an interval has no service level). One image to assistive technology, named by
 * its title and described in words; the table below holds every figure.
 */
export function Chart(props: { rows: readonly IntervalRow[]; interval: Interval; title: string }): JSX.Element {
  const { rows } = props;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const maxCalls = Math.max(1, ...rows.map((row) => row.counts.calls));
  const step = niceStep(maxCalls, 5);
  const top = Math.ceil(maxCalls / step) * step;
  const slot = plotWidth / Math.max(1, rows.length);
  const barWidth = Math.min(64, Math.max(1, slot * 0.7));
  const xOf = (index: number): number => LEFT + slot * index + slot / 2;
  const yCalls = (calls: number): number => TOP + plotHeight - (calls / top) * plotHeight;
  const yLevel = (level: number): number => TOP + plotHeight - level * plotHeight;
  const callTicks = Array.from({ length: Math.floor(top / step) + 1 }, (_, index) => index * step);
  // At most eight labels along the time axis (five of the long ones), evenly spread.
  const every = Math.max(1, Math.ceil(rows.length / ((rows[0]?.interval.length ?? 0) > 10 ? 5 : 8)));
  let line = '';
  let gap = true;
  rows.forEach((row, index) => {
    if (row.serviceLevel === null) {
      gap = true;
      return;
    }
    line += `${gap ? 'M' : 'L'}${xOf(index).toFixed(1)},${yLevel(row.serviceLevel).toFixed(1)} `;
    gap = false;
  });
  const busiest = rows.reduce<IntervalRow | undefined>(
    (best, row) => (best === undefined || row.counts.calls > best.counts.calls ? row : best),
    undefined,
  );
  const levels = rows.map((row) => row.serviceLevel).filter((level): level is number => level !== null);
  const description =
    rows.length === 0
      ? 'No intervals.'
      : `${rows.length} ${rows.length === 1 ? 'interval' : 'intervals'} from ${rows[0]?.interval} to ${rows[rows.length - 1]?.interval}. ` +
        `Most calls: ${busiest?.counts.calls ?? 0} in ${busiest?.interval}. ` +
        (levels.length === 0
          ? 'No service level measured.'
          : `Service level from ${percent(Math.min(...levels))} % to ${percent(Math.max(...levels))} %.`) +
        ' Every figure is in the table below.';
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby="report-chart-title"
        aria-describedby="report-chart-desc"
        class="chart-svg"
      >
        <title id="report-chart-title">{props.title}</title>
        <desc id="report-chart-desc">{description}</desc>
        {/* The legend. */}
        <g class="legend">
          <rect class="bar" x={LEFT} y={10} width={14} height={14} />
          <text x={LEFT + 20} y={22}>
            Calls
          </text>
          <line class="level" x1={LEFT + 90} y1={17} x2={LEFT + 114} y2={17} />
          <circle class="level-dot" cx={LEFT + 102} cy={17} r={4} />
          <text x={LEFT + 120} y={22}>
            Service level (%)
          </text>
        </g>
        {/* Grid and the calls axis (left). */}
        {callTicks.map((tick) => (
          <g key={`c${tick}`}>
            <line class="grid" x1={LEFT} x2={LEFT + plotWidth} y1={yCalls(tick)} y2={yCalls(tick)} />
            <text class="tick" x={LEFT - 6} y={yCalls(tick) + 4} text-anchor="end">
              {tick}
            </text>
          </g>
        ))}
        {/* The service level axis (right). */}
        {[0, 0.25, 0.5, 0.75, 1].map((level) => (
          <text key={`l${level}`} class="tick" x={LEFT + plotWidth + 6} y={yLevel(level) + 4}>
            {level * 100}
          </text>
        ))}
        <line class="axis" x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotHeight} />
        <line class="axis" x1={LEFT + plotWidth} x2={LEFT + plotWidth} y1={TOP} y2={TOP + plotHeight} />
        <line class="axis" x1={LEFT} x2={LEFT + plotWidth} y1={TOP + plotHeight} y2={TOP + plotHeight} />
        <text class="axis-title" transform={`translate(14 ${TOP + plotHeight / 2}) rotate(-90)`} text-anchor="middle">
          Calls
        </text>
        <text class="axis-title" transform={`translate(${WIDTH - 12} ${TOP + plotHeight / 2}) rotate(90)`} text-anchor="middle">
          Service level (%)
        </text>
        <text class="axis-title" x={LEFT + plotWidth / 2} y={HEIGHT - 8} text-anchor="middle">
          {INTERVALS[props.interval]}
        </text>
        {/* Bars, each with its figures as a tooltip. */}
        {rows.map((row, index) => (
          <rect
            key={row.interval}
            class="bar"
            x={xOf(index) - barWidth / 2}
            y={yCalls(row.counts.calls)}
            width={barWidth}
            height={Math.max(0, TOP + plotHeight - yCalls(row.counts.calls))}
          >
            <title>
              {row.interval}: {row.counts.calls} {row.counts.calls === 1 ? 'call' : 'calls'}, service level{' '}
              {row.serviceLevel === null ? 'none' : `${percent(row.serviceLevel)} %`}
            </title>
          </rect>
        ))}
        <path class="level" d={line.trim()} />
        {rows.map((row, index) =>
          row.serviceLevel === null ? null : (
            <circle key={`d${row.interval}`} class="level-dot" cx={xOf(index)} cy={yLevel(row.serviceLevel)} r={rows.length > 60 ? 2 : 4} />
          ),
        )}
        {rows.map((row, index) =>
          index % every === 0 ? (
            <text key={`x${row.interval}`} class="tick" x={xOf(index)} y={TOP + plotHeight + 18} text-anchor="middle">
              {row.interval.replace(/^week of /, '')}
            </text>
          ) : null,
        )}
      </svg>
    </figure>
  );
}
