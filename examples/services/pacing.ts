// How the simulated services keep their event rates: a budget that says how many events are due
// at a given time (with periodic bursts, the market's open and news spikes), and a loop that
// ticks a service on a timer. A tick still publishing when the next one is due is not overlapped:
// the budget carries the events over instead, which is the backpressure a real feed handler has.

import type { Logger } from '../../core/logger.js';

/** A recurring burst: for `durationMs` out of every `everyMs`, the rate is multiplied. */
export interface Burst {
  /** @example 10_000 */
  readonly everyMs: number;
  /** @example 1_000 */
  readonly durationMs: number;
  /** @example 5 */
  readonly multiplier: number;
}

export interface RateOptions {
  /** Events per second outside bursts. 0 stops the service's flow. */
  readonly ratePerSecond: number;
  /** @default no bursts */
  readonly burst?: Burst;
}

/**
 * Events due over time at a rate.
 *
 * @example
 * const budget = new RateBudget({ ratePerSecond: 200, burst: { everyMs: 10_000, durationMs: 1_000, multiplier: 5 } }, Date.now());
 * const n = budget.take(Date.now()); // publish n events now
 */
export class RateBudget {
  private last: number;
  private carry = 0;

  constructor(
    private readonly options: RateOptions,
    private readonly startedAt: number,
  ) {
    this.last = startedAt;
  }

  /** Whether `now` falls in a burst. */
  bursting(now: number): boolean {
    const b = this.options.burst;
    return b !== undefined && b.everyMs > 0 && (now - this.startedAt) % b.everyMs < b.durationMs;
  }

  /**
   * Whole events due since the last call; the fraction carries over. At most one second's worth is
   * carried, so a loop that stalled does not answer with a flood.
   */
  take(now: number): number {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    const rate =
      this.options.ratePerSecond * (this.bursting(now) ? (this.options.burst?.multiplier ?? 1) : 1);
    this.carry = Math.min(this.carry + (rate * elapsed) / 1000, Math.max(1, rate));
    const due = Math.floor(this.carry);
    this.carry -= due;
    return due;
  }
}

/**
 * Runs `tick` every `tickMs` until stopped, never two ticks at once. A failing tick is logged and
 * counted; the loop goes on (a service keeps trading when one publish fails).
 */
export class ServiceLoop {
  /** Ticks that threw. */
  failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly tickMs: number,
    private readonly tick: (now: number) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.run(), this.tickMs);
  }

  /** Stops ticking and waits for a tick in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private run(): void {
    if (this.inFlight) return;
    this.inFlight = this.tick(Date.now())
      .catch((e: unknown) => {
        this.failures++;
        this.logger.warn({ err: e, service: this.name }, 'service tick failed');
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }
}
