// What `npm run bench` measures, as phases for a session: a warm-up, the fixed offered rates
// (a rate is skipped once a lower one was not sustained), priority isolation (CRITICAL alone,
// then with BACKGROUND at 10× its rate) and a burst produced at once.

import { MIX, type MixEntry } from '../runtime/mix.js';
import type { Guarantee, SystemName } from '../sut/systems.js';
import { sustained } from './report-model.js';
import type { PhaseResult, PhaseSpec } from './session.js';

export interface BenchPlan {
  rates: number[];
  seconds: number;
  burst: number;
  criticalRate: number;
  isolationSeconds: number;
  warmup: { rate: number; seconds: number };
  rateDrainMs: number;
  burstDrainMs: number;
}

export const QUICK: BenchPlan = {
  rates: [10_000, 25_000, 50_000],
  seconds: 8,
  burst: 100_000,
  criticalRate: 500,
  isolationSeconds: 6,
  warmup: { rate: 5_000, seconds: 3 },
  rateDrainMs: 45_000,
  burstDrainMs: 90_000,
};

export const FULL: BenchPlan = {
  rates: [25_000, 50_000, 100_000],
  seconds: 20,
  burst: 500_000,
  criticalRate: 1_000,
  isolationSeconds: 15,
  warmup: { rate: 10_000, seconds: 5 },
  rateDrainMs: 120_000,
  burstDrainMs: 300_000,
};

const family = (name: MixEntry['family']) => ({ ...MIX.find((e) => e.family === name)!, share: 1 });

export function phasesFor(
  plan: BenchPlan,
  which: { rates: boolean; isolation: boolean; burst: boolean },
): PhaseSpec[] {
  const phases: PhaseSpec[] = [
    {
      kind: 'warmup',
      offered: plan.warmup.rate,
      streams: [{ mix: MIX, rate: plan.warmup.rate, count: plan.warmup.rate * plan.warmup.seconds }],
      drainTimeoutMs: plan.rateDrainMs,
    },
  ];
  if (which.rates)
    plan.rates.forEach((rate, i) => {
      phases.push({
        kind: 'rate',
        offered: rate,
        streams: [{ mix: MIX, rate, count: rate * plan.seconds }],
        drainTimeoutMs: plan.rateDrainMs,
        skipIf: (done) => {
          const lower = plan.rates[i - 1];
          if (lower === undefined) return undefined;
          const previous = done.find((p) => p.kind === 'rate' && p.offered === lower);
          return previous && !sustained(previous) ? `${lower}/s was not sustained` : undefined;
        },
      });
    });
  if (which.isolation) {
    const critical = {
      mix: [family('RiskEvent')],
      rate: plan.criticalRate,
      count: plan.criticalRate * plan.isolationSeconds,
    };
    phases.push(
      {
        kind: 'isolation-alone',
        offered: plan.criticalRate,
        streams: [critical],
        drainTimeoutMs: plan.rateDrainMs,
      },
      {
        kind: 'isolation-background',
        offered: 11 * plan.criticalRate,
        streams: [
          critical,
          {
            mix: [family('SystemEvent')],
            rate: 10 * plan.criticalRate,
            count: 10 * plan.criticalRate * plan.isolationSeconds,
          },
        ],
        drainTimeoutMs: plan.rateDrainMs,
      },
    );
  }
  if (which.burst)
    phases.push({
      kind: 'burst',
      offered: 0,
      streams: [{ mix: MIX, rate: 0, count: plan.burst }],
      drainTimeoutMs: plan.burstDrainMs,
    });
  return phases;
}

/** Results worth reporting (the warm-up is not). */
export function measured(results: readonly PhaseResult[]): PhaseResult[] {
  return results.filter((r) => r.kind !== 'warmup');
}

export interface SessionKey {
  system: SystemName;
  guarantee: Guarantee;
}
