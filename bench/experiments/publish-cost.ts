// Experiment: what `EventPublisher.publish` costs per event in process CPU, end to end (envelope,
// Avro encode, headers, the produce, the delivery report and the promise), at its highest rate with
// a bounded number of publishes in flight. The e2e benchmark's publisher spent ~49 µs of CPU per
// event at 6,800 events/s, which is where this starts.
//
// usage: node --import tsx bench/experiments/publish-cost.ts [events=100000] [inFlight=2000]

import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../../runtime/client/event-publisher.js';
import { TopicManager } from '../../runtime/kafka/topics.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { sampleEvent } from '../../schemas/samples.js';
import { experimentConnection } from './connection.js';

const N = Number(process.argv[2] ?? 100_000);
const IN_FLIGHT = Number(process.argv[3] ?? 2_000);
const connection = experimentConnection();
const topic = `exp-publish-${randomUUID().slice(0, 8)}`;
const topics = new TopicManager(connection);
await topics.ensure([{ name: topic, partitions: 6, replicationFactor: 1, config: {} }]);

const publisher = new EventPublisher({
  connection,
  registry: new HttpSchemaRegistry({ url: connection.registry.url }),
  source: 'publish-cost',
  topics: { MarketDataEvent: topic },
});
const template = sampleEvent('PRICE_UPDATE');
const event = (i: number) => ({
  ...template,
  header: { ...template.header, eventId: randomUUID(), symbol: `SYM${i % 100}`, timestamp: Date.now() },
});

// Warm-up: the schema registration, the connection, JIT.
await Promise.all(Array.from({ length: 2_000 }, (_, i) => publisher.publish(event(i))));

const cpu0 = process.cpuUsage();
const t0 = performance.now();
let next = 0;
let failed = 0;
async function lane(): Promise<void> {
  while (next < N) {
    next++;
    await publisher.publish(event(next)).catch(() => failed++);
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
console.log(
  `${N} publishes, ${IN_FLIGHT} in flight: ${Math.round((N / ms) * 1000)} events/s, ` +
    `${((cpu.user + cpu.system) / N).toFixed(1)} µs of process CPU per event, ${failed} failed`,
);
await publisher.close();
await topics.delete([topic]);
