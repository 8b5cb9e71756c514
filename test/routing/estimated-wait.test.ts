import { describe, expect, it } from 'vitest';
import {
  estimatedWaitSeconds,
  minutesToSay,
  NO_PACE,
  PACE_MAX_AGE_SECONDS,
  PACE_SAMPLES,
  paceAfterAnswer,
} from '../../functions/routing/estimated-wait.js';

describe('the estimated wait', () => {
  it('counts the time the line took per caller, not the time a member sat idle', () => {
    // Answered at 100 (first: no interval), 160 (joined at 10, the line busy: 60), 400 (joined at 390
    // after the line was empty: 10).
    const pace = [
      [0, 100],
      [10, 160],
      [390, 400],
    ].reduce((current, [joinedAt, at]) => paceAfterAnswer(current, joinedAt ?? 0, at ?? 0), NO_PACE);

    expect(pace).toEqual({ lastAnswerAt: 400, intervals: [60, 10] });
  });

  it('says nothing with fewer than three intervals or history older than an hour, else position times the mean', () => {
    const two = { lastAnswerAt: 1000, intervals: [60, 120] };
    const three = { lastAnswerAt: 1000, intervals: [60, 120, 90] };

    expect(estimatedWaitSeconds(two, 1, 1000)).toBeUndefined();
    expect(estimatedWaitSeconds(three, 3, 1000)).toBe(270);
    expect(estimatedWaitSeconds(three, 3, 1000 + PACE_MAX_AGE_SECONDS + 1)).toBeUndefined();
    // An answer after an hour of silence starts the history again.
    expect(paceAfterAnswer(three, 0, 1000 + PACE_MAX_AGE_SECONDS + 1)).toEqual({
      lastAnswerAt: 1000 + PACE_MAX_AGE_SECONDS + 1,
      intervals: [],
    });
  });

  it('keeps the latest samples only, and says whole minutes, at least one', () => {
    let pace = { lastAnswerAt: 0, intervals: [] as number[] } as ReturnType<typeof paceAfterAnswer>;
    for (let n = 1; n <= PACE_SAMPLES + 5; n += 1) pace = paceAfterAnswer(pace, 0, n * 10);
    expect(pace.intervals).toHaveLength(PACE_SAMPLES);

    expect([10, 89, 90, 151].map(minutesToSay)).toEqual([1, 1, 2, 3]);
  });
});
