/**
 * The estimated wait (SPEC 16), decided from the line's recent pace alone. Each time a waiting caller
 * is answered, the time the line took to serve them is noted: since the previous answer from the line,
 * or since they joined when the line was empty then (a member who sat idle is no slowness). A caller at
 * position p is then about p of those intervals from an answer, with several members serving side by
 * side shortening each interval. Too little or too old history says nothing.
 */
export type LinePace = { readonly lastAnswerAt: number | undefined; readonly intervals: readonly number[] };

export const NO_PACE: LinePace = { lastAnswerAt: undefined, intervals: [] };
/** How many recent intervals the estimate averages. */
export const PACE_SAMPLES = 10;
/** Fewer answered callers than this say nothing. */
export const PACE_MIN_SAMPLES = 3;
/** History older than this (no answer from the line for an hour) is forgotten. */
export const PACE_MAX_AGE_SECONDS = 3600;

/** The pace after a caller who joined at `joinedAt` was answered at `now`. */
export function paceAfterAnswer(pace: LinePace, joinedAt: number, now: number): LinePace {
  const stale = pace.lastAnswerAt === undefined || now - pace.lastAnswerAt > PACE_MAX_AGE_SECONDS;
  if (stale) return { lastAnswerAt: now, intervals: [] };
  const since = Math.max(pace.lastAnswerAt ?? joinedAt, joinedAt);
  return { lastAnswerAt: now, intervals: [...pace.intervals, Math.max(0, now - since)].slice(-PACE_SAMPLES) };
}

/** Seconds until a caller at `position` is likely answered; undefined without enough recent history. */
export function estimatedWaitSeconds(pace: LinePace, position: number, now: number): number | undefined {
  if (pace.lastAnswerAt === undefined || now - pace.lastAnswerAt > PACE_MAX_AGE_SECONDS) return undefined;
  if (pace.intervals.length < PACE_MIN_SAMPLES) return undefined;
  const mean = pace.intervals.reduce((sum, interval) => sum + interval, 0) / pace.intervals.length;
  return Math.round(position * mean);
}

/** The minutes a caller is told: rounded to the nearest minute, at least one. */
export function minutesToSay(seconds: number): number {
  return Math.max(1, Math.round(seconds / 60));
}
