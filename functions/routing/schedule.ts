import { wallTime } from './wall-clock.js';
import type {
  Greeting,
  Group,
  OpenRange,
  PhoneNumber,
  Schedule,
  ScheduleException,
  ScheduleOverride,
  Weekday,
  WhenNobodyAnswers,
} from '../commons/schemas.js';

/**
 * Opening hours (SPEC section 14), decided from a schedule and a time, nothing else: the override
 * (until it expires) beats a dated exception, which beats the weekly ranges. Every range is read on
 * the schedule's local wall clock (Intl.DateTimeFormat with its IANA time zone), so daylight-saving
 * changes are the zone's business: on a spring-forward day a range of 01:00 to 03:30 is open for
 * 1.5 hours of real time, on a fall-back day for 3.5.
 *
 * A range whose `to` is not after its `from` runs past midnight: the part after midnight belongs to
 * the day it started on. A date with an exception is decided by that exception alone, from its
 * 00:00 to its 24:00 (the previous day's overnight range stops at midnight then); an exception's own
 * overnight range runs into the next day unless that day has an exception too.
 */

export type ScheduleRule = 'override' | 'exception' | 'weekly';

export type ScheduleStatus = {
  readonly open: boolean;
  /** The rule that decided. */
  readonly decidedBy: ScheduleRule;
  /** Why, in words an administrator reads: the override, the exception or the range that decided. */
  readonly reason: string;
  /** The wall-clock time in the schedule's zone, `YYYY-MM-DD HH:MM`. */
  readonly localTime: string;
};

/** A time of the schedule's wall clock: the local date, its weekday and the minute of the day. */
type LocalTime = { readonly date: string; readonly minutes: number };

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** The zone's wall clock at `ms`, as epoch ms of the same wall-clock reading in UTC (minute precision). */
function wallClockMs(timeZone: string, ms: number): number {
  const wall = wallTime(ms, timeZone).wallMs;
  return wall - (wall % MINUTE_MS);
}

function localTimeAt(timeZone: string, ms: number): LocalTime {
  const wall = wallClockMs(timeZone, ms);
  const iso = new Date(wall).toISOString();
  return { date: iso.slice(0, 10), minutes: Math.floor((wall % DAY_MS) / MINUTE_MS) };
}

/** The zone's offset from UTC at `ms`, in ms. */
function offsetAt(timeZone: string, ms: number): number {
  return wallClockMs(timeZone, ms) - Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** The instant the zone's wall clock reads `minutes` into `date` (a time skipped by a change: an instant near it). */
function instantOf(timeZone: string, date: string, minutes: number): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE_MS;
  const guess = wall - offsetAt(timeZone, wall);
  return wall - offsetAt(timeZone, guess);
}

/** The instant the zone's offset changes between `from` and `to` (which differ in offset), to the minute. */
function offsetChange(timeZone: string, from: number, to: number): number {
  const before = offsetAt(timeZone, from);
  let [low, high] = [from, to];
  while (high - low > MINUTE_MS) {
    const middle = low + Math.floor((high - low) / 2);
    if (offsetAt(timeZone, middle) === before) low = middle;
    else high = middle;
  }
  return Math.floor(high / MINUTE_MS) * MINUTE_MS;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function weekdayOf(date: string): Weekday {
  return WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? 'mon';
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

/** A range runs past midnight when its end is not after its start. */
function overnight(range: OpenRange): boolean {
  return minutesOf(range.to) <= minutesOf(range.from);
}

function describeRange(range: OpenRange): string {
  return `${range.from}-${range.to}`;
}

/** What decides a date: its exception, else the weekly ranges of its weekday. */
type DayRules = { exception: ScheduleException; ranges: readonly OpenRange[] } | { exception: undefined; ranges: readonly OpenRange[] };

function dayRules(schedule: Schedule, date: string): DayRules {
  const exception = schedule.exceptions.find((candidate) => candidate.date === date);
  if (exception !== undefined) return { exception, ranges: exception.open ?? [] };
  const weekday = weekdayOf(date);
  return { exception: undefined, ranges: schedule.weekly.filter((range) => range.days.includes(weekday)) };
}

function exceptionName(exception: ScheduleException): string {
  return `exception ${exception.date}${exception.name === undefined ? '' : ` (${exception.name})`}`;
}

function overrideActive(override: ScheduleOverride | undefined, atMs: number): override is ScheduleOverride {
  return override !== undefined && (override.until === undefined || Date.parse(override.until) > atMs);
}

/** Whether `schedule` is open at `atMs`, and which rule decided it. */
export function scheduleStatus(schedule: Schedule, atMs: number): ScheduleStatus {
  const local = localTimeAt(schedule.timeZone, atMs);
  const localTime = `${local.date} ${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
  const { override } = schedule;
  if (overrideActive(override, atMs))
    return {
      open: override.state === 'open',
      decidedBy: 'override',
      reason: `the override says ${override.state} ${override.until === undefined ? 'until it is removed' : `until ${override.until}`}`,
      localTime,
    };
  const today = dayRules(schedule, local.date);
  const within = today.ranges.find((range) => {
    const from = minutesOf(range.from);
    return overnight(range) ? local.minutes >= from : local.minutes >= from && local.minutes < minutesOf(range.to);
  });
  if (today.exception !== undefined) {
    const name = exceptionName(today.exception);
    const reason =
      within !== undefined
        ? `${name}: open ${describeRange(within)}`
        : today.exception.open === undefined
          ? `${name}: closed all day`
          : `${name}: outside its open hours ${today.exception.open.map(describeRange).join(', ')}`;
    return { open: within !== undefined, decidedBy: 'exception', reason, localTime };
  }
  if (within !== undefined)
    return { open: true, decidedBy: 'weekly', reason: `weekly: open ${weekdayOf(local.date)} ${describeRange(within)}`, localTime };
  // The part after midnight of yesterday's overnight range.
  const yesterdayDate = addDays(local.date, -1);
  const yesterday = dayRules(schedule, yesterdayDate);
  const spill = yesterday.ranges.find((range) => overnight(range) && local.minutes < minutesOf(range.to));
  if (spill !== undefined)
    return {
      open: true,
      decidedBy: yesterday.exception === undefined ? 'weekly' : 'exception',
      reason:
        yesterday.exception === undefined
          ? `weekly: open ${weekdayOf(yesterdayDate)} ${describeRange(spill)}`
          : `${exceptionName(yesterday.exception)}: open ${describeRange(spill)}`,
      localTime,
    };
  return { open: false, decidedBy: 'weekly', reason: `weekly: no open range on ${weekdayOf(local.date)} at this time`, localTime };
}

/** How far ahead the next change is looked for. */
export const NEXT_CHANGE_HORIZON_DAYS = 14;

/**
 * When the schedule's state next changes after `atMs` (epoch ms), if within the horizon. Every
 * local start and end of a range, every midnight (where exceptions begin) and every daylight-saving
 * change is a candidate; the
 * first candidate whose state differs brackets the change, which a bisection then finds to the
 * millisecond (a range starting in a skipped hour opens when the clock jumps, not at its candidate).
 */
export function nextChange(schedule: Schedule, atMs: number, horizonDays = NEXT_CHANGE_HORIZON_DAYS): number | undefined {
  const isOpen = (ms: number) => scheduleStatus(schedule, ms).open;
  const current = isOpen(atMs);
  const today = localTimeAt(schedule.timeZone, atMs).date;
  const candidates = new Set<number>();
  for (let day = -1; day <= horizonDays; day += 1) {
    const date = addDays(today, day);
    const midnight = instantOf(schedule.timeZone, date, 0);
    const nextMidnight = instantOf(schedule.timeZone, addDays(date, 1), 0);
    candidates.add(midnight);
    // A daylight-saving change: a range starting in a skipped hour opens when the clock jumps.
    if (offsetAt(schedule.timeZone, midnight) !== offsetAt(schedule.timeZone, nextMidnight))
      candidates.add(offsetChange(schedule.timeZone, midnight, nextMidnight));
    for (const range of dayRules(schedule, date).ranges) {
      candidates.add(instantOf(schedule.timeZone, date, minutesOf(range.from)));
      candidates.add(instantOf(schedule.timeZone, date, minutesOf(range.to) + (overnight(range) ? 24 * 60 : 0)));
    }
  }
  if (overrideActive(schedule.override, atMs) && schedule.override.until !== undefined) candidates.add(Date.parse(schedule.override.until));
  let before = atMs;
  for (const candidate of [...candidates].filter((ms) => ms > atMs && ms <= atMs + horizonDays * DAY_MS).sort((a, b) => a - b)) {
    if (isOpen(candidate) !== current) {
      let [low, high] = [before, candidate];
      while (high - low > 1) {
        const middle = low + Math.floor((high - low) / 2);
        if (isOpen(middle) === current) low = middle;
        else high = middle;
      }
      return high;
    }
    before = candidate;
  }
  return undefined;
}

/** A schedule by id; a schedule the configuration lacks (never after the admin API's checks) counts as open. */
function isClosed(scheduleId: string | undefined, schedules: ReadonlyMap<string, Schedule>, atMs: number): boolean {
  const schedule = scheduleId === undefined ? undefined : schedules.get(scheduleId);
  return schedule !== undefined && !scheduleStatus(schedule, atMs).open;
}

/** What a call to a closed number gets: its closed greeting, then its `whenClosed` action (voicemail when absent). */
export type ClosedNumber = { readonly greeting: Greeting | undefined; readonly action: WhenNobodyAnswers };

/** The number's closed answer when its schedule is closed at `atMs`; undefined while it is open. */
export function closedNumber(
  number: Pick<PhoneNumber, 'schedule' | 'whenClosed' | 'closedGreeting'>,
  schedules: ReadonlyMap<string, Schedule>,
  atMs: number,
): ClosedNumber | undefined {
  if (!isClosed(number.schedule, schedules, atMs)) return undefined;
  return { greeting: number.closedGreeting, action: number.whenClosed ?? { action: 'voicemail' } };
}

/**
 * A group whose schedule is closed at `atMs` acts as if nobody answered: its `whenClosed` action
 * (its `whenNobodyAnswers` when absent). Undefined while it is open.
 */
export function closedGroupAction(
  group: Pick<Group, 'schedule' | 'whenClosed' | 'whenNobodyAnswers'>,
  schedules: ReadonlyMap<string, Schedule>,
  atMs: number,
): WhenNobodyAnswers | undefined {
  return isClosed(group.schedule, schedules, atMs) ? (group.whenClosed ?? group.whenNobodyAnswers) : undefined;
}

/** Whether a group takes calls at `atMs` (SPEC 14): always without a schedule. */
export function groupOpen(group: Pick<Group, 'schedule'>, schedules: ReadonlyMap<string, Schedule>, atMs: number): boolean {
  return !isClosed(group.schedule, schedules, atMs);
}

/** When a closed group's schedule next changes (its opening), epoch ms; undefined when none is known. */
export function groupOpensAt(group: Pick<Group, 'schedule'>, schedules: ReadonlyMap<string, Schedule>, atMs: number): number | undefined {
  const schedule = group.schedule === undefined ? undefined : schedules.get(group.schedule);
  return schedule === undefined ? undefined : nextChange(schedule, atMs);
}

/** The schedules `member` may toggle: those of their groups and of the numbers into them, and those naming them. */
export function togglableSchedules(
  member: string,
  groups: readonly Group[],
  numbers: readonly PhoneNumber[],
  schedules: ReadonlyMap<string, Schedule>,
): Schedule[] {
  const own = new Set(groups.filter((group) => group.members.includes(member)).map((group) => group.id));
  const ids = new Set<string>([
    ...groups.filter((group) => own.has(group.id)).flatMap((group) => (group.schedule === undefined ? [] : [group.schedule])),
    ...numbers
      .filter((number) => number.group !== undefined && own.has(number.group))
      .flatMap((number) => (number.schedule === undefined ? [] : [number.schedule])),
    ...[...schedules.values()].filter((schedule) => schedule.toggledBy?.includes(member) === true).map((schedule) => schedule.id),
  ]);
  return [...ids].sort().flatMap((id) => schedules.get(id) ?? []);
}

export type ToggleDecision =
  | { readonly kind: 'refuse' }
  | {
      readonly kind: 'toggle';
      /** The state every toggled schedule is in afterwards. */
      readonly state: 'open' | 'closed';
      /** Each schedule's new override: undefined removes it (the schedule's own rules say the same now). */
      readonly overrides: readonly { readonly schedule: string; readonly override: ScheduleOverride | undefined }[];
    };

/**
 * The toggle code (SPEC section 14). Several schedules end in one state: closed when any of them is
 * open now, else open. Each gets an override that lasts until its own rules would bring it to that
 * state anyway (a temporary override, as FreePBX's), or none when its rules already say so.
 */
export function toggleDecision(schedules: readonly Schedule[], atMs: number): ToggleDecision {
  if (schedules.length === 0) return { kind: 'refuse' };
  const state = schedules.some((schedule) => scheduleStatus(schedule, atMs).open) ? 'closed' : 'open';
  return {
    kind: 'toggle',
    state,
    overrides: schedules.map((schedule) => {
      const { override: _override, ...rules } = schedule;
      if (scheduleStatus(rules, atMs).open === (state === 'open')) return { schedule: schedule.id, override: undefined };
      const until = nextChange(rules, atMs);
      return {
        schedule: schedule.id,
        override: { state, ...(until === undefined ? {} : { until: new Date(until).toISOString() }) },
      };
    }),
  };
}
