import { describe, expect, it } from 'vitest';
import { LanePlanner } from '../../../gateway/delivery/lanePlanner.js';
import type { Priority } from '../../../schemas/catalog.js';

const planner = () => new LanePlanner({ preemptThreshold: 10, maxPauseMs: 100 });

describe('LanePlanner', () => {
  it('orders a batch by lane and keeps the order within a lane', () => {
    const records = [
      { priority: 'BACKGROUND' as Priority, n: 1 },
      { priority: 'HIGH' as Priority, n: 2 },
      { priority: 'CRITICAL' as Priority, n: 3 },
      { priority: 'HIGH' as Priority, n: 4 },
      { priority: 'CRITICAL' as Priority, n: 5 },
      { priority: 'STANDARD' as Priority, n: 6 },
    ];
    expect(
      planner()
        .order(records)
        .map((r) => r.n),
    ).toEqual([3, 5, 2, 4, 6, 1]);
  });

  it('pauses the lanes below a backlog and resumes them when it is gone', () => {
    const p = planner();
    expect(p.observe({ CRITICAL: 2, HIGH: 50 }, 0)).toEqual({
      pause: ['STANDARD', 'BACKGROUND'],
      resume: [],
    });
    expect(p.paused()).toEqual(['STANDARD', 'BACKGROUND']);
    // A CRITICAL backlog now: HIGH joins the paused lanes.
    expect(p.observe({ CRITICAL: 30 }, 10)).toEqual({ pause: ['HIGH'], resume: [] });
    expect(p.observe({ CRITICAL: 1 }, 20)).toEqual({ pause: [], resume: ['HIGH', 'STANDARD', 'BACKGROUND'] });
    expect(p.paused()).toEqual([]);
  });

  it('ages a pause out so a sustained flood never starves lower lanes', () => {
    const p = planner();
    p.observe({ CRITICAL: 100 }, 0);
    expect(p.observe({ CRITICAL: 100 }, 99).resume).toEqual([]);
    expect(p.observe({ CRITICAL: 100 }, 100).resume).toEqual(['HIGH', 'STANDARD', 'BACKGROUND']);
    // They run for a quarter of the pause before they can be paused again.
    expect(p.observe({ CRITICAL: 100 }, 110).pause).toEqual([]);
    expect(p.observe({ CRITICAL: 100 }, 125).pause).toEqual(['HIGH', 'STANDARD', 'BACKGROUND']);
  });

  it('forgets pauses on reset', () => {
    const p = planner();
    p.observe({ HIGH: 10 }, 0);
    expect(p.reset()).toEqual(['STANDARD', 'BACKGROUND']);
    expect(p.paused()).toEqual([]);
  });
});
