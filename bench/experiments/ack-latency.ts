// How long the broker takes to acknowledge a record (acks=all, idempotent), at a trickle or at a
// steady rate: the floor under every commit barrier and every output's latency.
// usage: node --import tsx bench/experiments/ack-latency.ts [seconds] [rate/s] [linger ms] [compression]
import Kafka from 'node-rdkafka';

const seconds = Number(process.argv[2] ?? 5);
const rate = Number(process.argv[3] ?? 100);
const linger = Number(process.argv[4] ?? 0);
const compression = process.argv[5] ?? 'none';
const producer = new Kafka.Producer({
  'metadata.broker.list': process.env.TMBUS_KAFKA_BROKERS ?? '127.0.0.1:19092',
  'enable.idempotence': true,
  acks: -1,
  'linger.ms': linger,
  'compression.type': compression,
  'socket.nagle.disable': true,
  dr_cb: true,
} as Kafka.ProducerGlobalConfig);
await new Promise<void>((r, j) => producer.connect({}, (e) => (e ? j(e) : r())));
producer.setPollInterval(1);
const took: number[] = [];
producer.on('delivery-report', (err, report) => {
  if (!err) took.push(performance.now() - (report.opaque as number));
});
const value = Buffer.alloc(200, 120);
const start = performance.now();
let sent = 0;
while (performance.now() - start < seconds * 1000) {
  const due = Math.floor(((performance.now() - start) / 1000) * rate);
  for (; sent < due; sent++)
    producer.produce('bench-ack-latency', sent % 3, value, null, Date.now(), performance.now());
  await new Promise((r) => setTimeout(r, 1));
}
await new Promise((r) => setTimeout(r, 1000));
took.sort((a, b) => a - b);
const q = (p: number) => took[Math.min(took.length - 1, Math.floor(p * took.length))]!.toFixed(2);
console.log(
  `${rate}/s linger ${linger} ${compression}: ${took.length} acks, p50 ${q(0.5)} ms, p90 ${q(0.9)}, p99 ${q(0.99)}, max ${q(1)}`,
);
producer.disconnect();
