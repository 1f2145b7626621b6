// The benchmark topology: route → filter → transform with Avro decode and encode, one branch per
// input family. Market data is split by event type (prices vs book), volume updates are filtered
// out, and every surviving event is transformed (stamped by the pipeline) before it is written.

import { familySerde, type SchemaRegistry } from '../../schemas/index.js';
import { TopologyBuilder } from '../../topology/index.js';
import type { TopologyPlan } from '../../topology/plan.js';
import { Serdes } from '../../topology/serdes.js';
import { inputTopic, MIX, outputTopic } from './mix.js';

export async function benchTopology(run: string, registry: SchemaRegistry): Promise<TopologyPlan> {
  const builder = new TopologyBuilder();
  for (const { family } of MIX) {
    const serde = await familySerde(registry, family, { topic: inputTopic(run, family) });
    const out = await familySerde(registry, family, { topic: outputTopic(run, family) });
    const stream = builder.stream(inputTopic(run, family), {
      key: Serdes.string(),
      value: serde,
      name: `source-${family}`,
    });
    const stamp = <T extends { header: { source: string } }>(e: T): T => ({
      ...e,
      header: { ...e.header, source: 'tmbus-bench' },
    });
    if (family === 'MarketDataEvent') {
      const routes = stream
        .split({ name: 'route-md' })
        .branch(
          'prices',
          (e) => e.header.eventType === 'PRICE_UPDATE' || e.header.eventType === 'TRADE_EXECUTION',
        )
        .defaultBranch('book');
      routes.prices.mapValues(stamp, { name: 'stamp-prices' }).to(outputTopic(run, family), { value: out });
      routes.book
        .filter((e) => e.header.eventType !== 'VOLUME_UPDATE', { name: 'drop-volume' })
        .mapValues(stamp, { name: 'stamp-book' })
        .to(outputTopic(run, family), { value: out });
    } else {
      stream
        .filter((e) => e.header.eventId.length > 0, { name: `filter-${family}` })
        .mapValues(stamp, { name: `stamp-${family}` })
        .to(outputTopic(run, family), { value: out });
    }
  }
  return builder.build({ applicationId: `bench-${run}` });
}
