import { describe, expect, it } from 'vitest';
import { phasesFor, QUICK } from '../../../bench/lib/scenarios.js';
import type { PhaseResult } from '../../../bench/lib/session.js';

const ran = (offered: number, eventsPerSecond: number, complete = true) =>
  ({ kind: 'rate', offered, eventsPerSecond, producedRate: offered, complete }) as PhaseResult;

describe('bench scenarios', () => {
  const phases = phasesFor(QUICK, { rates: true, isolation: true, burst: true });

  it('warms up, climbs the rates, isolates CRITICAL, then bursts', () => {
    expect(phases.map((p) => [p.kind, p.offered])).toEqual([
      ['warmup', 5_000],
      ['rate', 10_000],
      ['rate', 25_000],
      ['rate', 50_000],
      ['isolation-alone', 500],
      ['isolation-background', 5_500],
      ['burst', 0],
    ]);
    const background = phases[5]!.streams;
    expect(background.map((s) => [s.mix.map((m) => m.family), s.rate, s.count])).toEqual([
      [['RiskEvent'], 500, 3_000],
      [['SystemEvent'], 5_000, 30_000],
    ]);
    expect(phases[6]!.streams[0]).toMatchObject({ rate: 0, count: 100_000 });
  });

  it('skips a rate once a lower one was not sustained', () => {
    const higher = phases[2]!;
    expect(higher.skipIf?.([ran(10_000, 9_800)])).toBeUndefined();
    expect(higher.skipIf?.([ran(10_000, 7_000)])).toBe('10000/s was not sustained');
    expect(higher.skipIf?.([ran(10_000, 9_800, false)])).toBe('10000/s was not sustained');
    expect(phases[1]!.skipIf?.([])).toBeUndefined();
  });
});
