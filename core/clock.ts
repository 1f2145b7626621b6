// Time as a dependency. Stages that punctuate on wall-clock time (correlation timeouts, window
// closing, heartbeats) take a `Clock` so tests can drive time deterministically with `ManualClock`.

export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

let nextTimerId = 1;

/** The real clock (Date.now and Node timers). */
export function systemClock(): Clock {
  const timers = new Map<number, NodeJS.Timeout>();
  return {
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const handle = { id: nextTimerId++ };
      const t = setTimeout(() => {
        timers.delete(handle.id);
        fn();
      }, ms);
      t.unref?.();
      timers.set(handle.id, t);
      return handle;
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t) clearTimeout(t);
      timers.delete(handle.id);
    },
  };
}

interface PendingTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` fires due timers in time order, each seeing
 * `now()` equal to its due time.
 *
 * @example
 * const clock = new ManualClock(0);
 * clock.setTimeout(() => console.log('fired'), 1000);
 * clock.advance(1000); // prints "fired"
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: PendingTimer[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: nextTimerId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle.id);
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.timers) if (t.at <= target && (!next || t.at < next.at)) next = t;
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
  }

  /** Moves time to an absolute instant (never backwards). */
  setTime(epochMs: number): void {
    if (epochMs > this.current) this.advance(epochMs - this.current);
  }

  /** Number of timers still pending. */
  get pendingTimers(): number {
    return this.timers.length;
  }
}
