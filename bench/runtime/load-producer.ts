// Open-loop load for the runtime benchmark, in its own process so it does not steal the runtime's
// event loop: pre-encodes a pool of realistic events per family (Confluent-framed Avro), then
// produces at a fixed rate (or as fast as it can) with the create timestamp set at send time, so
// end-to-end latency is measured from the moment the event was offered.
//
// env: RUN, RATE (events/s, 0 = max), COUNT (events), TMBUS_* connection variables.

import Kafka from 'node-rdkafka';
import { connectionConfigFromEnv } from '../../core/config.js';
import { HEADERS } from '../../core/headers.js';
import { CATALOG, priorityOf } from '../../schemas/catalog.js';
import { familySerde, HttpSchemaRegistry, sampleEvent } from '../../schemas/index.js';
import { inputTopic, MIX } from './mix.js';

const run = process.env.RUN!;
const rate = Number(process.env.RATE ?? 0);
const count = Number(process.env.COUNT ?? 100_000);
const connection = connectionConfigFromEnv({ TMBUS_REDIS_URL: undefined, ...process.env });
const registry = new HttpSchemaRegistry({ url: connection.registry.url });

interface Prepared {
  topic: string;
  key: Buffer;
  value: Buffer;
  headers: Kafka.MessageHeader[];
}

const pools: { share: number; items: Prepared[] }[] = [];
for (const entry of MIX) {
  const topic = inputTopic(run, entry.family);
  const serde = await familySerde(registry, entry.family, { topic });
  const items: Prepared[] = [];
  for (let i = 0; i < 500; i++) {
    const type = entry.types[i % entry.types.length]!;
    const event = sampleEvent(type);
    const key = String((event.header as unknown as Record<string, unknown>)[CATALOG[entry.family].keyField]);
    items.push({
      topic,
      key: Buffer.from(key),
      value: serde.serialize(event, { topic }),
      headers: [{ [HEADERS.priority]: priorityOf(type) }, { [HEADERS.eventType]: type }],
    });
  }
  pools.push({ share: entry.share, items });
}

const producer = new Kafka.Producer({
  'metadata.broker.list': connection.kafka.brokers,
  'linger.ms': 1,
  'batch.num.messages': 10_000,
  'queue.buffering.max.messages': 1_000_000,
  'compression.type': 'lz4',
  partitioner: 'murmur2_random',
  'socket.nagle.disable': true,
} as Kafka.ProducerGlobalConfig);
await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
producer.setPollInterval(10);

let sent = 0;
let pick = 0;
function sendOne(): boolean {
  const r = Math.random();
  let acc = 0;
  let pool = pools[pools.length - 1]!;
  for (const p of pools) {
    acc += p.share;
    if (r < acc) {
      pool = p;
      break;
    }
  }
  const item = pool.items[pick++ % pool.items.length]!;
  try {
    producer.produce(item.topic, null, item.value, item.key, Date.now(), undefined, item.headers);
    sent++;
    return true;
  } catch {
    producer.poll();
    return false; // queue full: try again next tick
  }
}

const started = Date.now();
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = rate > 0 ? Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate)) : count;
    let budget = rate > 0 ? due - sent : 20_000;
    while (budget-- > 0 && sent < count) if (!sendOne()) break;
    if (sent >= count) resolve();
    else setTimeout(tick, rate > 0 ? 2 : 0);
  };
  tick();
});
await new Promise<void>((resolve) => producer.flush(60_000, () => resolve()));
const seconds = (Date.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ sent, seconds, rate: sent / seconds })}\n`);
producer.disconnect(() => process.exit(0));
