// A `Clock` over an RxJS scheduler, so time-based stages (correlation timeouts, windows closing on
// wall-clock time) run on the `TestScheduler`'s virtual time in marble tests.

import type { SchedulerLike, Subscription } from 'rxjs';
import type { Clock, TimerHandle } from '../core/clock.js';

/**
 * A clock whose `now()` and timers are the scheduler's.
 *
 * @example
 * testScheduler.run(() => {
 *   const clock = schedulerClock(testScheduler);
 *   // stages given `clock` now fire their timers at virtual frames
 * });
 */
export function schedulerClock(scheduler: SchedulerLike): Clock {
  const pending = new Map<number, Subscription>();
  let nextId = 1;
  return {
    now: () => scheduler.now(),
    setTimeout(fn, ms) {
      const handle: TimerHandle = { id: nextId++ };
      pending.set(
        handle.id,
        scheduler.schedule(
          () => {
            pending.delete(handle.id);
            fn();
          },
          Math.max(0, ms),
        ),
      );
      return handle;
    },
    clearTimeout(handle) {
      pending.get(handle.id)?.unsubscribe();
      pending.delete(handle.id);
    },
  };
}
