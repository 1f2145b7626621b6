// Experiment: process CPU of an idle group member (no records arriving) with the consume loop's two
// idle strategies — a 1 ms timer between empty consume calls (`idleSleepMs: 1`, the loop before) and
// a wait for one record inside librdkafka (`idleWaitMs`, the default). Also the latency of the first
// record after the idle period.
//
// usage: node --import tsx bench/experiments/idle-cpu.ts [seconds=5]

import { BusConsumer, type BusConsumerOptions } from '../../runtime/kafka/consumer.js';
import { BusProducer } from '../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../runtime/kafka/topics.js';
import { experimentConnection } from './connection.js';

const seconds = Number(process.argv[2] ?? 5);
const connection = experimentConnection();
const topic = `idle-cpu-${Date.now()}`;
const admin = new TopicManager(connection);
await admin.ensure([domainTopic(topic, 3)]);
const producer = new BusProducer({ connection });
await producer.connect();

for (const [name, extra] of [
  ['1 ms timer between empty consume calls', { idleSleepMs: 1 }],
  ['wait for one record inside librdkafka (idleWaitMs 10)', {}],
] as [string, Partial<BusConsumerOptions>][]) {
  let arrived = 0;
  const consumer = new BusConsumer({
    connection,
    groupId: `${topic}-${arrived}-${name.length}`,
    topics: [topic],
    onBatch: (messages) => {
      for (const m of messages) arrived = Date.now() - Number(m.value?.toString());
    },
    ...extra,
  });
  await consumer.connect();
  consumer.start();
  await new Promise((r) => setTimeout(r, 3000)); // joined, assigned
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  await producer.send({ topic, key: 'k', value: Buffer.from(String(Date.now())) });
  await new Promise((r) => setTimeout(r, 500));
  console.log(
    `${name}: ${(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100).toFixed(1)}% of a core idle; first record after idle consumed ${arrived} ms after it was sent`,
  );
  await consumer.close();
}
await producer.disconnect();
await admin.delete([topic]).catch(() => undefined);
process.exit(0);
