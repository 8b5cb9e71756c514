/**
 * An instant's wall-clock reading in a time zone: schedules (open or closed), reports (which interval)
 * and stories (the time of a step) all read local time this one way. One formatter per zone: building
 * one costs far more than formatting with it, and a report or a schedule formats many instants.
 */
export type WallTime = {
  /** `YYYY-MM-DD` */
  readonly date: string;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 for Monday to 6 for Sunday. */
  readonly weekday: number;
  /** The same reading as if it were UTC, in epoch ms (seconds precision): differences give offsets. */
  readonly wallMs: number;
};

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // Throws a RangeError for a zone the runtime does not know: before it is kept.
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock in `timeZone` at `atMs` (epoch ms). */
export function wallTime(atMs: number, timeZone: string): WallTime {
  const parts = formatterOf(timeZone).formatToParts(atMs);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((each) => each.type === type)?.value ?? '';
  const date = `${part('year')}-${part('month')}-${part('day')}`;
  const [hour, minute, second] = [Number(part('hour')) % 24, Number(part('minute')), Number(part('second'))];
  return {
    date,
    hour,
    minute,
    second,
    weekday: WEEKDAYS.indexOf(part('weekday')),
    wallMs: Date.parse(`${date}T00:00:00Z`) + ((hour * 60 + minute) * 60 + second) * 1000,
  };
}

const two = (value: number): string => String(value).padStart(2, '0');

/** `HH:MM:SS` in `timeZone`. */
export function clockTime(atMs: number, timeZone: string): string {
  const wall = wallTime(atMs, timeZone);
  return `${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}`;
}
