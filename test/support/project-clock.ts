import { afterEach, beforeEach, vi } from 'vitest';

/**
 * For flow tests whose calls play with the project's clock following the simulated one (`playCalls`'s
 * `projectClockFrom`): `Date` is faked in each test from `clock.start`, a whole second (so marks fall
 * on simulated seconds), a day later for each test so no test meets the marks another left.
 */
export function useProjectClock(first = Date.UTC(2026, 10, 27, 9, 0, 0)): { readonly start: number; at: (second: number) => number } {
  let start = first;
  beforeEach(() => {
    start += 86_400_000;
    vi.useFakeTimers({ toFake: ['Date'], now: start });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  return {
    get start() {
      return start;
    },
    /** The simulation's second `second` in epoch seconds. */
    at: (second) => start / 1000 + second,
  };
}
