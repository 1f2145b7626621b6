// A service whose whole job is to emit events of its own at a rate: the agent orchestrator, the
// notification service, the platform monitor. Each supplies how to make its next event; this
// runs the pacing, publishes, and counts — a failed publish is logged and counted, never fatal.

import { type Logger, silentLogger } from '../../core/logger.js';
import type { TradeMasterEvent } from '../../schemas/index.js';
import type { EventSink } from '../sinks/event-sink.js';
import { RateBudget, type RateOptions, ServiceLoop } from './pacing.js';

export interface PacedProducerOptions {
  readonly sink: EventSink;
  /** @example { ratePerSecond: 1 } */
  readonly rate: RateOptions;
  /** @default 100 */
  readonly tickMs?: number;
  readonly logger?: Logger;
}

/**
 * @example
 * const agents = new PacedProducer('agent-orchestrator', { sink, rate: { ratePerSecond: 1 } }, (now) => simulator.next(now));
 * agents.start();
 */
export class PacedProducer {
  readonly stats = { published: 0, failed: 0 };
  private readonly loop: ServiceLoop;
  private readonly log: Logger;
  private budget: RateBudget | undefined;

  constructor(
    readonly name: string,
    private readonly options: PacedProducerOptions,
    private readonly make: (now: number) => TradeMasterEvent,
  ) {
    this.log = options.logger ?? silentLogger();
    this.loop = new ServiceLoop(
      name,
      options.tickMs ?? 100,
      (now) => this.publishNext(this.budget?.take(now) ?? 0, now),
      this.log,
    );
  }

  start(): void {
    this.budget = new RateBudget(this.options.rate, Date.now());
    this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  /** Makes and publishes `n` events now. */
  async publishNext(n: number, now = Date.now()): Promise<void> {
    const events = Array.from({ length: n }, () => this.make(now));
    const results = await Promise.allSettled(events.map((e) => this.options.sink.publish(e)));
    for (const r of results) {
      if (r.status === 'fulfilled') this.stats.published++;
      else {
        this.stats.failed++;
        this.log.warn({ err: r.reason, service: this.name }, 'publish failed');
      }
    }
  }
}
