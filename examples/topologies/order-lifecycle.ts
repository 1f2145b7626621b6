// Order lifecycles as event chains (SPEC §4.2): every event an order causes — its own steps on the
// orders topic, the POSITION_UPDATE and PNL_CHANGE of its fills on the portfolio topic, the risk
// alerts they raised on the risk topic — shares the order's correlation id. This topology links
// them into one chain per order and writes the chain when it is complete, or when no event arrived
// for the inactivity timeout of wall-clock time (an order left working, a consumer down).
//
// Complete means: the order reached a terminal state and every fill got its PNL_CHANGE. Risk alerts
// are part of the chain when they arrive before that; one arriving later opens a chain of its own
// that closes by timeout — the chain topic shows it rather than hiding it.

import type { EventType, TradeMasterEvent } from '../../schemas/index.js';
import { type CorrelatedChain, TopologyBuilder } from '../../topology/index.js';
import type { DemoTopics } from '../topics.js';
import type { DemoSerdes } from './serdes.js';

/** A closed order lifecycle, as written to the chains topic (JSON, keyed by correlation id). */
export type OrderLifecycleChain = CorrelatedChain<TradeMasterEvent>;

/** Order events after which nothing more happens to the order. */
export const TERMINAL_ORDER_EVENTS: readonly EventType[] = [
  'ORDER_FILLED',
  'ORDER_CANCELLED',
  'ORDER_CANCELLED_SYSTEM',
  'ORDER_REJECTED_CRITICAL',
];

const FILLS: readonly EventType[] = ['ORDER_FILLED', 'ORDER_PARTIAL_FILL'];

/** Whether an order's chain is complete: terminal, and every fill's PNL_CHANGE is in. */
export function lifecycleComplete(events: readonly TradeMasterEvent[]): boolean {
  if (!events.some((e) => TERMINAL_ORDER_EVENTS.includes(e.header.eventType))) return false;
  const pnlCauses = new Set(
    events.filter((e) => e.header.eventType === 'PNL_CHANGE').map((e) => e.header.causationId),
  );
  return events
    .filter((e) => FILLS.includes(e.header.eventType))
    .every((fill) => pnlCauses.has(fill.header.eventId));
}

export interface OrderLifecycleOptions {
  /** Wall-clock ms without a new event after which an open chain is written as `timedOut`. @default 30_000 */
  readonly inactivityTimeoutMs?: number;
}

/**
 * orders + portfolio + risk → chains by correlation id (store `order-lifecycle-store`) → chains topic.
 *
 * @example
 * const plan = orderLifecycleTopology(topics, serdes, { inactivityTimeoutMs: 10_000 }).build({ applicationId: 'tm-order-lifecycle' });
 */
export function orderLifecycleTopology(
  topics: DemoTopics,
  serdes: DemoSerdes,
  options: OrderLifecycleOptions = {},
): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder
    .stream([topics.domain.OrderEvent, topics.domain.PortfolioEvent, topics.domain.RiskEvent], {
      key: serdes.key,
      value: serdes.events,
      name: 'lifecycle-events',
    })
    .correlate({
      name: 'order-lifecycle',
      inactivityTimeoutMs: options.inactivityTimeoutMs ?? 30_000,
      complete: lifecycleComplete,
    })
    .to(topics.chains, { name: 'chains-out' });
  return builder;
}
