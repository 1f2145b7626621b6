// A realistic, valid event of every catalog type, for tests, benchmarks and the broker-free demo.
// Values hang together the way a trading day would produce them (a fill's cumulative quantity
// matches the order, a margin call's deficit is maintenance minus equity, …) so downstream
// topologies exercised with samples see plausible data. Override any header or payload field.

import { randomUUID } from 'node:crypto';
import { CATALOG, type EventType, familyOf, priorityOf } from './catalog.js';
import type { EventOf, HeaderOf, PayloadOf } from './events.js';
import { SAMPLE_PAYLOADS } from './sample-payloads.js';

/** Fields to replace in a sample; everything else keeps its realistic default. */
export interface SampleOverrides<T extends EventType> {
  header?: Partial<HeaderOf<T>>;
  payload?: Partial<PayloadOf<T>>;
}

/** Producer service name of each family's samples. */
const SOURCES = {
  RiskEvent: 'risk-engine',
  OrderEvent: 'order-gateway',
  MarketDataEvent: 'market-data-feed',
  PortfolioEvent: 'portfolio-service',
  AgentEvent: 'agent-orchestrator',
  SystemEvent: 'platform-monitor',
  NotificationEvent: 'notification-service',
} as const;

/** Partition key value of each family's samples (keyed by the catalog's keyField). */
const KEYS = {
  RiskEvent: 'ACC-100234',
  OrderEvent: 'AAPL',
  MarketDataEvent: 'AAPL',
  PortfolioEvent: 'u-7f3a9c',
  AgentEvent: 'agent-momentum-01',
  SystemEvent: 'order-gateway',
  NotificationEvent: 'u-7f3a9c',
} as const;

/**
 * A valid event of `type` with realistic field values. Ids are fresh UUIDs; `timestamp` is now.
 *
 * @example
 * const fill = sampleEvent('ORDER_FILLED', { payload: { fillPrice: '190.10000000' } });
 * const breach = sampleEvent('RISK_LIMIT_BREACH', { header: { correlationId: fill.header.correlationId } });
 */
export function sampleEvent<T extends EventType>(type: T, overrides: SampleOverrides<T> = {}): EventOf<T> {
  const family = familyOf(type);
  const timestamp = overrides.header?.timestamp ?? Date.now();
  const header = {
    eventId: randomUUID(),
    correlationId: randomUUID(),
    causationId: null,
    eventType: type,
    priority: priorityOf(type),
    timestamp,
    source: SOURCES[family],
    version: 1,
    [CATALOG[family].keyField]: KEYS[family],
    ...overrides.header,
  };
  const payload = { ...SAMPLE_PAYLOADS[type](timestamp), ...overrides.payload };
  return { header, payload } as unknown as EventOf<T>;
}

export { money, price, quantity, ratio } from './sample-payloads.js';
