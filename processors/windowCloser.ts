// When windows close. Shared by the time- and session-window aggregations: tracks stream time
// (the largest timestamp seen), optionally the wall clock, and the earliest close time of any open
// window, and arms one wall-clock timer for it — so final results appear even when no further
// record arrives.

import type { Clock, TimerHandle } from '../core/clock.js';

/** Per-subscription close bookkeeping of one windowed stage. */
export class WindowCloser {
  private streamTime = Number.NEGATIVE_INFINITY;
  private nextClose = Number.POSITIVE_INFINITY;
  private armedFor = Number.POSITIVE_INFINITY;
  private timer: TimerHandle | undefined;

  /**
   * @param wallClock when given, windows also close when wall-clock time passes their close time.
   * @param onDue runs (from the timer) when the earliest window is due; it must call `reset`.
   */
  constructor(
    private readonly wallClock: Clock | undefined,
    private readonly onDue: () => void,
  ) {}

  /** Advances stream time with a record's timestamp. */
  observe(timestamp: number): void {
    if (timestamp > this.streamTime) this.streamTime = timestamp;
  }

  /** The time windows are judged against: stream time, or the wall clock if it is ahead. */
  now(): number {
    return Math.max(this.streamTime, this.wallClock ? this.wallClock.now() : Number.NEGATIVE_INFINITY);
  }

  /** True when some open window may have reached its close time. */
  due(): boolean {
    return this.now() >= this.nextClose;
  }

  /** A window closing at `closeAt` is open. */
  expect(closeAt: number): void {
    if (closeAt < this.nextClose) {
      this.nextClose = closeAt;
      this.arm();
    }
  }

  /** After a scan: `nextClose` is the earliest close time of the windows still open. */
  reset(nextClose: number): void {
    this.nextClose = nextClose;
    this.arm();
  }

  cancel(): void {
    if (this.timer && this.wallClock) this.wallClock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private arm(): void {
    if (!this.wallClock || this.armedFor === this.nextClose) return;
    this.cancel();
    if (!Number.isFinite(this.nextClose)) return;
    const clock = this.wallClock;
    this.armedFor = this.nextClose;
    this.timer = clock.setTimeout(
      () => {
        this.timer = undefined;
        this.armedFor = Number.POSITIVE_INFINITY;
        this.onDue();
      },
      Math.max(0, this.nextClose - clock.now()),
    );
  }
}
