// The platform monitor: health checks of the demo's services with this process's real CPU, heap
// and uptime, analytics updates from counters the demo hands it (orders placed, market events
// published, …), and one maintenance notice when it starts. Statuses come from probes, so a
// stopped runtime shows up as UNHEALTHY on the system channel.

import type { EventOf, HealthStatus } from '../../schemas/index.js';
import { newEvent } from '../events.js';
import { PacedProducer, type PacedProducerOptions } from './paced-producer.js';
import type { SeededRandom } from './random.js';

const SOURCE = 'platform-monitor';
const HOUR = 3_600_000;

export interface PlatformMonitorOptions extends PacedProducerOptions {
  /** Health of each monitored service. @example { 'risk-engine': () => runtime.running ? 'HEALTHY' : 'UNHEALTHY' } */
  readonly probes: Readonly<Record<string, () => HealthStatus>>;
  /** Counters reported as ANALYTICS_UPDATE. @example { 'orders.placed': () => trading.stats.placed } */
  readonly counters?: Readonly<Record<string, () => number>>;
  readonly random: SeededRandom;
}

type MonitorKind = 'SERVICE_HEALTH_CHECK' | 'ANALYTICS_UPDATE';

export class PlatformMonitor {
  private readonly startedAt = Date.now();
  private lastCpu = process.cpuUsage();
  private lastAt = Date.now();
  private windowStart = Date.now();

  constructor(private readonly options: PlatformMonitorOptions) {}

  /** The notice published once at start: an upcoming broker upgrade. */
  maintenanceNotice(now: number): EventOf<'MAINTENANCE_NOTICE'> {
    return newEvent(
      'MAINTENANCE_NOTICE',
      'kafka',
      {
        noticeId: `MAINT-${new Date(now).toISOString().slice(0, 10)}`,
        tenantId: null,
        title: 'Scheduled broker upgrade',
        description: 'Brokers are upgraded one at a time; expect brief reconnects, no data loss.',
        affectedServices: Object.keys(this.options.probes),
        impact: 'DEGRADED',
        startsAt: now + 24 * HOUR,
        endsAt: now + 24 * HOUR + HOUR / 2,
      },
      { source: SOURCE, timestamp: now },
    );
  }

  next(now: number): EventOf<MonitorKind> {
    const counters = Object.entries(this.options.counters ?? {});
    const random = this.options.random;
    if (counters.length > 0 && random.chance(0.3)) {
      const [metric, read] = random.pick(counters);
      const event = newEvent(
        'ANALYTICS_UPDATE',
        SOURCE,
        {
          tenantId: null,
          metric,
          dimensions: { demo: 'trademaster' },
          value: read(),
          unit: 'count',
          windowStart: this.windowStart,
          windowEnd: now,
        },
        { source: SOURCE, timestamp: now },
      );
      return event;
    }
    const [service, probe] = random.pick(Object.entries(this.options.probes));
    const status = probe();
    return newEvent(
      'SERVICE_HEALTH_CHECK',
      service,
      {
        instanceId: `${service}-${process.pid}`,
        tenantId: null,
        status,
        checks: { process: 'HEALTHY', pipeline: status },
        cpuUtilization: this.cpu(now),
        heapUsedBytes: process.memoryUsage().heapUsed,
        uptimeSeconds: Math.round((now - this.startedAt) / 1000),
      },
      { source: SOURCE, timestamp: now },
    );
  }

  /** Share of one core used since the previous sample. */
  private cpu(now: number): number {
    const used = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    return Math.min(1, (used.user + used.system) / 1000 / elapsedMs);
  }
}

/**
 * The platform monitor as a running service (publish `maintenanceNotice` yourself at start).
 *
 * @example
 * const monitor = createPlatformMonitor({ sink, rate: { ratePerSecond: 0.5 }, probes, random: new SeededRandom(1) });
 */
export function createPlatformMonitor(options: PlatformMonitorOptions): {
  service: PacedProducer;
  monitor: PlatformMonitor;
} {
  const monitor = new PlatformMonitor(options);
  return { monitor, service: new PacedProducer(SOURCE, options, (now) => monitor.next(now)) };
}
