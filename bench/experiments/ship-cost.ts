// What one `produceBatch` call into the addon costs on the main thread, per record and per call,
// by batch size and with / without the five headers a bench output carries (ProduceBatch.ship on
// a connected producer, a 6-partition topic, 150-byte values).
//
//   node --import tsx bench/experiments/ship-cost.ts
//
// 2026-12-07, 2-core Xeon: 0.32 µs per record without headers and 0.72 with five in batches of
// 1,000 (~80 ns per header); ~1.3 µs per call on top (1.6 µs for a batch of one).

import { connectionConfigFromEnv } from '../../core/config.js';
import { ProduceBatch } from '../../runtime/kafka/native-produce.js';
import { BusProducer } from '../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';

const connection = connectionConfigFromEnv();
const topic = `shipbench-${Date.now()}`;
const topics = new TopicManager(connection);
await topics.ensure([domainTopic(topic, 6)]);
const p = new BusProducer({ connection, reportOnlyErrors: true });
await p.connect();
const value = Buffer.alloc(150, 7);
const headers = {
  'tm-event-type': 'PRICE_UPDATE',
  'tm-priority': 'HIGH',
  'tm-event-id': '0c1f3b1e-8a6d-4d7e-9a39-3c1f2b7d9e10',
  'tm-correlation-id': '0c1f3b1e-8a6d-4d7e-9a39-3c1f2b7d9e11',
  'bench-sent': '1733600000000.123',
};
for (const per of [1, 4, 16, 100, 1000]) {
  for (const h of [false, true]) {
    const batch = new ProduceBatch();
    const N = 40000;
    const t = performance.now();
    let shipT = 0;
    for (let i = 0; i < N; i += per) {
      for (let j = 0; j < per; j++)
        batch.add({ topic, key: `k${(i + j) % 200}`, value, headers: h ? headers : undefined });
      const s = performance.now();
      batch.ship(p.native, 0);
      shipT += performance.now() - s;
      batch.clear();
    }
    const total = performance.now() - t;
    console.log(
      `per ship ${per} headers ${h}: ${((total * 1000) / N).toFixed(2)} µs/record all, ship ${((shipT * 1000) / N).toFixed(2)} µs/record, ${((shipT * 1000) / (N / per)).toFixed(1)} µs/call`,
    );
    await p.flush(30000);
  }
}
await p.disconnect();
await topics.delete([topic]);
