// How fast one BusConsumer drains a backlog with no processing: N records of ~250 bytes preloaded
// into a 6-partition topic, then read by a fresh group. Separates the Kafka read path (fetch,
// the native or per-record consume, the loop) from the runtime's own work.
//
// usage: node --import tsx bench/experiments/consume-rate.ts [records=300000] [batch=2000]
//        (TMBUS_NATIVE_BATCH=0 for node-rdkafka's per-record consume)

import { BusConsumer } from '../../runtime/kafka/consumer.js';
import { nativeBatchStatus } from '../../runtime/kafka/native-batch.js';
import { BusProducer } from '../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';
import { experimentConnection } from './connection.js';

const n = Number(process.argv[2] ?? 300_000);
const batchSize = Number(process.argv[3] ?? 2000);
const connection = experimentConnection();
const topics = new TopicManager(connection);
const topic = `exp-consume-rate-${Date.now().toString(36)}`;
await topics.ensure([domainTopic(topic, Number(process.env.PARTITIONS ?? 6))]);
const producer = new BusProducer({ connection, reportOnlyErrors: true });
await producer.connect();
// RANDOM=1: incompressible 400-byte values (each its own), RANDOM unset: 250 equal bytes.
const { randomBytes } = await import('node:crypto');
const random = process.env.RANDOM === '1';
const value = Buffer.alloc(250, 7);
for (let i = 0; i < n; i++) {
  producer.produce(
    {
      topic,
      key: `k${i % 1000}`,
      value: random ? randomBytes(400) : value,
      headers: { 'tm-event-type': 'PRICE_UPDATE' },
    },
    0,
  );
  if (i % 10_000 === 0) await new Promise((r) => setImmediate(r));
}
await producer.flush();
await producer.disconnect();

// WORK_US=17 emulates the runtime: each record then costs that much busy time, spent in slices of
// 5 ms on setImmediate after the consume loop hands a batch over (as streams-runtime.ts drains).
const workUs = Number(process.env.WORK_US ?? 0);
let queued = 0;
let draining = false;
const stats = { calls: 0, empty: 0 };
const drain = () => {
  draining = false;
  const until = performance.now() + 5;
  while (queued > 0 && performance.now() < until) {
    const end = performance.now() + workUs / 1000;
    while (performance.now() < end);
    queued--;
    got++;
    if (produceOut) out.produce({ topic: outTopic, key: 'k', value, headers: { 'tm-event-type': 'X' } }, 0);
  }
  if (got >= n) done();
  else if (queued > 0) kick();
};
const kick = () => {
  if (draining) return;
  draining = true;
  setImmediate(drain);
};
// PRODUCE=1 writes one record per processed record to a second topic (reports only for errors,
// flushed before each commit), as the runtime does.
const produceOut = process.env.PRODUCE === '1';
const outTopic = `${topic}-out`;
if (produceOut) await topics.ensure([domainTopic(outTopic, 6)]);
const out = new BusProducer({ connection, reportOnlyErrors: true });
await out.connect();
let got = 0;
let first = 0;
let done!: () => void;
const finished = new Promise<void>((r) => (done = r));
const cpu0 = process.cpuUsage();
const consumer = new BusConsumer({
  connection,
  groupId: `${topic}-g`,
  topics: [topic],
  batchSize,
  // FETCH_KB=4096: max.partition.fetch.bytes (librdkafka's default is 1 MB per partition and fetch).
  librdkafka: process.env.FETCH_KB
    ? { 'max.partition.fetch.bytes': Number(process.env.FETCH_KB) * 1024 }
    : {},
  isolationLevel: (process.env.ISOLATION ?? 'read_committed') as 'read_committed',
  onIdle: () => void stats.empty++,
  onBatch: (ms) => {
    if (first === 0) first = performance.now();
    for (const m of ms) last.set(m.partition, m.offset);
    stats.calls++;
    if (workUs === 0) {
      got += ms.length;
      if (got >= n) done();
    } else {
      queued += ms.length;
      kick();
    }
  },
});
await consumer.connect();
consumer.start();
// COMMIT_MS=100 commits the positions reached that often, as the runtime does.
const last = new Map<number, number>();
const commitMs = Number(process.env.COMMIT_MS ?? 0);
const committer =
  commitMs > 0
    ? setInterval(() => {
        const offsets = [...last].map(([partition, offset]) => ({ topic, partition, offset: offset + 1 }));
        if (offsets.length > 0) void out.flush().then(() => consumer.commit(offsets));
      }, commitMs)
    : undefined;
await finished;
if (committer) clearInterval(committer);
const seconds = (performance.now() - first) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    path: nativeBatchStatus().status,
    records: n,
    batchSize,
    perSecond: Math.round(n / seconds),
    workUs,
    batches: stats.calls,
    emptyCalls: stats.empty,
    cpuMicrosPerRecord: Number((((cpu.user + cpu.system) / n) * 1).toFixed(2)),
  }),
);
await consumer.close();
await out.disconnect();
await topics.delete([topic, outTopic]);
