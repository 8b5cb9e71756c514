/**
 * The simulated clock. Each call is a coroutine that waits on simulated time with `sleep`; the clock
 * jumps to the next timer only when no real work is in flight (a webhook, a REST request), so many
 * calls share one consistent timeline and calls that arrive together reach the project together.
 */
type Timer = { at: number; seq: number; resolve: () => void };

export class SimulatedClock {
  now = 0;
  private timers: Timer[] = [];
  private seq = 0;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];

  /** Resolves when the clock reaches now + seconds (after any work already in flight). */
  sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.push({ at: this.now + Math.max(0, seconds), seq: (this.seq += 1), resolve });
    });
  }

  /** Real asynchronous work the clock must wait for before it moves on. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.busy += 1;
    try {
      return await work();
    } finally {
      this.busy -= 1;
      if (this.busy === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async quiesce(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.busy === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        if (this.busy === 0) return;
      }
      if (this.busy > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Run until no timer is left, or `untilSeconds` is passed. */
  async run(untilSeconds = 24 * 3600): Promise<void> {
    for (;;) {
      await this.quiesce();
      if (this.timers.length === 0) return;
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (next === undefined || next.at > untilSeconds) return;
      this.now = next.at;
      const due = this.timers.filter((timer) => timer.at === next.at);
      this.timers = this.timers.filter((timer) => timer.at !== next.at);
      for (const timer of due) timer.resolve();
    }
  }
}

/** mm:ss of simulated time, for transcripts. */
export function formatClock(seconds: number): string {
  const whole = Math.round(seconds);
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}
