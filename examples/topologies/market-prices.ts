// Latest prices: PRICE_UPDATEs from the market-data topic, keyed by symbol, written to a compacted
// topic. The risk and portfolio topologies read it as a table (the latest price per symbol) and
// join fills against it. A separate application so both can share one price feed, the way a
// Kafka Streams deployment shares a compacted reference topic.

import { type EventOf, type FamilyValue, isEvent } from '../../schemas/index.js';
import { TopologyBuilder } from '../../topology/index.js';
import type { DemoTopics } from '../topics.js';
import type { DemoSerdes } from './serdes.js';

const isPriceUpdate = (e: FamilyValue<'MarketDataEvent'>): e is EventOf<'PRICE_UPDATE'> =>
  isEvent(e, 'PRICE_UPDATE');

/**
 * market data → PRICE_UPDATE only → compacted prices topic (same key: the symbol).
 *
 * @example
 * const plan = marketPricesTopology(topics, serdes).build({ applicationId: 'tm-market-prices' });
 */
export function marketPricesTopology(topics: DemoTopics, serdes: DemoSerdes): TopologyBuilder {
  const builder = new TopologyBuilder();
  builder
    .stream(topics.domain.MarketDataEvent, { key: serdes.key, value: serdes.marketData, name: 'market-data' })
    .filter(isPriceUpdate, { name: 'price-updates' })
    .to(topics.prices, { value: serdes.prices, name: 'latest-prices-out' });
  return builder;
}
