// The serdes of the example topologies, created once against a schema registry (the HTTP one on
// Kafka, an in-memory one in the embedded demo and the tests). Domain topics carry one family each
// (TopicNameStrategy: `<topic>-value`); topics that carry several families — the lanes and the
// streams merged over several domain topics — use the event serde, which registers each family
// under TopicRecordNameStrategy and reads any of them.

import type { Serde } from '../../core/record.js';
import {
  type AvroSerde,
  createEventSerde,
  type EventSerde,
  type FamilyValue,
  familySerde,
  type SchemaRegistry,
} from '../../schemas/index.js';
import { Serdes } from '../../topology/index.js';
import type { DemoTopics } from '../topics.js';

export interface DemoSerdes {
  readonly registry: SchemaRegistry;
  /** Record keys: symbol, account, user, correlation id. */
  readonly key: Serde<string>;
  readonly orders: AvroSerde<FamilyValue<'OrderEvent'>>;
  readonly marketData: AvroSerde<FamilyValue<'MarketDataEvent'>>;
  /** MarketDataEvent on the compacted prices topic. */
  readonly prices: AvroSerde<FamilyValue<'MarketDataEvent'>>;
  readonly portfolio: AvroSerde<FamilyValue<'PortfolioEvent'>>;
  readonly risk: AvroSerde<FamilyValue<'RiskEvent'>>;
  /** Any catalog event: lane topics and multi-topic streams. */
  readonly events: EventSerde;
}

/**
 * Registers (or finds) the schemas and returns the serdes.
 *
 * @example
 * const serdes = await demoSerdes(new InMemorySchemaRegistry(), demoTopics());
 */
export async function demoSerdes(registry: SchemaRegistry, topics: DemoTopics): Promise<DemoSerdes> {
  const [orders, marketData, prices, portfolio, risk, events] = await Promise.all([
    familySerde(registry, 'OrderEvent', { topic: topics.domain.OrderEvent }),
    familySerde(registry, 'MarketDataEvent', { topic: topics.domain.MarketDataEvent }),
    familySerde(registry, 'MarketDataEvent', { topic: topics.prices }),
    familySerde(registry, 'PortfolioEvent', { topic: topics.domain.PortfolioEvent }),
    familySerde(registry, 'RiskEvent', { topic: topics.domain.RiskEvent }),
    createEventSerde(registry, { topic: topics.lanes.CRITICAL }),
  ]);
  return { registry, key: Serdes.string(), orders, marketData, prices, portfolio, risk, events };
}
