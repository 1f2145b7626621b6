// The runtime's stall report: called every commit interval, it logs — at most every 10 s — why no
// record has been processed for 10 s while records wait (queued, held, or unread on the broker), so
// an operator sees what the runtime is waiting for. Idle (nothing queued, nothing halted, nothing
// unread) is not a stall.

import type { Logger } from '../../core/logger.js';

export interface StallWatchOptions {
  log: Logger;
  /** Records processed so far. */
  processed: () => number;
  /** Records wait in the runtime: queued, or processing is halted. */
  waiting: () => boolean;
  /** Records not yet read, over the owned partitions. */
  unread: () => number;
  /** What the report says besides how long and how much (held record, commit step, tasks…). */
  describe: () => Record<string, unknown>;
}

const STALL_MS = 10_000;

export class StallWatch {
  private processed = -1;
  private since = 0;
  private reported = 0;

  constructor(private readonly o: StallWatchOptions) {}

  check(now = Date.now()): void {
    const processed = this.o.processed();
    if (processed !== this.processed) {
      this.processed = processed;
      this.since = now;
      this.reported = 0;
      return;
    }
    if (now - this.since < STALL_MS || now - this.reported < STALL_MS) return;
    const unread = this.o.unread();
    if (!this.o.waiting() && unread === 0) {
      this.since = now;
      return;
    }
    this.reported = now;
    this.o.log.warn(
      { stalledMs: now - this.since, lag: unread, ...this.o.describe() },
      'no record processed while records wait',
    );
  }
}
