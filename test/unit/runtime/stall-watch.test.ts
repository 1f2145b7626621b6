// The stall report: a warning once nothing has been processed for 10 s while records wait, then at
// most every 10 s; idle (nothing waiting, nothing unread) is never reported, and progress resets it.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../core/logger.js';
import { StallWatch } from '../../../runtime/engine/stall-watch.js';

function setup() {
  const warnings: Record<string, unknown>[] = [];
  const log = { warn: (o: Record<string, unknown>) => warnings.push(o) } as unknown as Logger;
  const state = { processed: 0, waiting: true, unread: 0 };
  const watch = new StallWatch({
    log,
    processed: () => state.processed,
    waiting: () => state.waiting,
    unread: () => state.unread,
    describe: () => ({ queued: 3 }),
  });
  return { watch, state, warnings };
}

describe('StallWatch', () => {
  it('reports 10 s without progress while records wait, then at most every 10 s', () => {
    const { watch, warnings } = setup();
    watch.check(0);
    watch.check(9_999);
    expect(warnings).toEqual([]);
    watch.check(10_000);
    expect(warnings).toEqual([{ stalledMs: 10_000, lag: 0, queued: 3 }]);
    watch.check(15_000);
    expect(warnings).toHaveLength(1);
    watch.check(20_000);
    expect(warnings).toHaveLength(2);
  });

  it('does not report an idle runtime, and progress starts the clock again', () => {
    const { watch, state, warnings } = setup();
    state.waiting = false;
    watch.check(0);
    watch.check(20_000);
    expect(warnings).toEqual([]); // idle: nothing waits, nothing unread
    state.unread = 5; // records on the broker not read
    watch.check(29_999);
    expect(warnings).toEqual([]); // the idle period does not count
    watch.check(30_000);
    expect(warnings).toEqual([{ stalledMs: 10_000, lag: 5, queued: 3 }]);
    state.processed++;
    watch.check(35_000);
    watch.check(44_999);
    expect(warnings).toHaveLength(1);
  });
});
