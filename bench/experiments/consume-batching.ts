// Experiment behind the report's main latency finding: how long a record waits inside
// node-rdkafka's batch `consume(n)` at a low arrival rate. `consume(n)` keeps polling until it has
// n records or one poll times out, and the timeout is per poll — so while records keep trickling
// in faster than the timeout, a batch is only handed over when it is full. With the runtime's
// settings (runtime/kafka/consumer.ts: n = 2000, 5 ms timeout) a 500 records/s stream waits up to
// 2000 / 500 = 4 s. The same consumer with a 0 ms timeout (take what is there, sleep 1 ms when
// nothing is) hands records over within milliseconds.
//
// usage: node --import tsx bench/experiments/consume-batching.ts [rate=500] [seconds=8]

import Kafka from 'node-rdkafka';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';
import { newHistogram, summarize } from '../lib/latency.js';
import { runId } from '../lib/session.js';
import { experimentConnection } from './connection.js';

const rate = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 8);
const connection = experimentConnection();
const brokers = connection.kafka.brokers;

interface Trial {
  batchSize: number;
  timeoutMs: number;
  /** `enable.partition.eof`: after an end of partition, node-rdkafka polls with 1 ms. */
  eof?: boolean;
  /** Ask for about twice what came last time (32 … batchSize), as runtime/kafka/consumer.ts now does. */
  adaptive?: boolean;
}

async function trial({ batchSize, timeoutMs, eof = false, adaptive = false }: Trial) {
  const topic = `bench-${runId()}-batching`;
  const topics = new TopicManager(connection);
  await topics.ensure([domainTopic(topic, 3)]);
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': brokers,
      'group.id': `${topic}-g`,
      'enable.auto.commit': false,
      'fetch.wait.max.ms': 10,
      'socket.nagle.disable': true,
      'enable.partition.eof': eof,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((r, j) => consumer.connect({}, (e) => (e ? j(e) : r())));
  consumer.assign([0, 1, 2].map((partition) => ({ topic, partition, offset: 0 })));
  consumer.setDefaultConsumeTimeout(timeoutMs);
  consumer.setDefaultConsumeLoopTimeoutDelay(1);
  const producer = new Kafka.Producer({
    'metadata.broker.list': brokers,
    'linger.ms': 1,
    'socket.nagle.disable': true,
  } as Kafka.ProducerGlobalConfig);
  await new Promise<void>((r, j) => producer.connect({}, (e) => (e ? j(e) : r())));
  producer.setPollInterval(10);

  const h = newHistogram();
  const batches: number[] = [];
  const total = rate * seconds;
  let received = 0;
  let ask = adaptive ? 32 : batchSize;
  const consumed = new Promise<void>((resolve) => {
    const loop = () =>
      consumer.consume(ask, (_err, messages) => {
        const now = Date.now();
        const n = messages?.length ?? 0;
        if (adaptive) ask = n >= ask ? Math.min(batchSize, ask * 2) : Math.max(32, n * 2);
        if (messages?.length) batches.push(messages.length);
        for (const m of messages ?? []) h.recordValue(Math.max(1, now - (m.timestamp ?? now)));
        received += messages?.length ?? 0;
        if (received >= total) resolve();
        else if (messages?.length) setImmediate(loop);
        else setTimeout(loop, 1);
      });
    loop();
  });
  // Warm-up: one record per partition, so the first fetch (metadata, offsets) is not measured.
  for (const partition of [0, 1, 2]) producer.produce(topic, partition, Buffer.alloc(160), null, Date.now());
  for (const until = Date.now() + 15_000; received < 3 && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 10));
  h.reset();
  batches.length = 0;
  received = 0;
  const started = Date.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
      while (sent < due)
        producer.produce(topic, null, Buffer.alloc(160), Buffer.from(`k${sent++ % 50}`), Date.now());
      if (sent >= total) resolve();
      else setTimeout(tick, 2);
    };
    tick();
  });
  await Promise.race([consumed, new Promise((r) => setTimeout(r, 30_000))]);
  await new Promise<void>((r) => producer.disconnect(() => r()));
  await new Promise<void>((r) => consumer.disconnect(() => r()));
  await topics.delete([topic]);
  const mean = batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length);
  return { received, meanBatch: Math.round(mean), latencyMs: summarize(h) };
}

console.log(`${rate} records/s for ${seconds} s, consume(n) latency (receive − create time):`);
const trials: [string, Trial][] = [
  ['consume(2000), 5 ms timeout (the runtime until 41f5640)', { batchSize: 2000, timeoutMs: 5 }],
  [
    'adaptive 32…2000, 5 ms timeout, partition EOF (the runtime since 41f5640)',
    { batchSize: 2000, timeoutMs: 5, eof: true, adaptive: true },
  ],
  ['consume(2000), 0 ms timeout, 1 ms idle sleep (the probe)', { batchSize: 2000, timeoutMs: 0 }],
];
for (const [label, t] of trials) {
  const r = await trial(t);
  const l = r.latencyMs;
  console.log(
    `${label}: mean batch ${r.meanBatch}, p50 ${l?.p50} ms, p99 ${l?.p99} ms, max ${l?.max} ms (${r.received} records)`,
  );
}
process.exit(0);
