// Experiment behind the write path's shape: what one node-rdkafka `produce()` costs in process CPU,
// and which of its arguments cost what — a delivery report per record (`dr_cb`) versus reports only
// for errors (`delivery.report.only.error`), an opaque (node-rdkafka makes a persistent V8 handle
// of it per record), headers (each crosses into C++ as its own object), a string versus a Buffer
// key. Each trial produces N records of 300 bytes to one 6-partition topic and waits for `flush`.
//
// usage: node --import tsx bench/experiments/produce-cost.ts [records=200000]

import { randomBytes } from 'node:crypto';
import Kafka from 'node-rdkafka';
import { producerConfig } from '../../runtime/kafka/librdkafka-config.js';
import { TopicManager } from '../../runtime/kafka/topics.js';
import { experimentConnection } from './connection.js';

const N = Number(process.argv[2] ?? 200_000);
const connection = experimentConnection();

interface Trial {
  name: string;
  onlyErrors: boolean;
  opaque: boolean;
  headers: number;
  bufferKey: boolean;
}

const trials: Trial[] = [
  {
    name: 'report per record, opaque, 4 headers, string key',
    onlyErrors: false,
    opaque: true,
    headers: 4,
    bufferKey: false,
  },
  {
    name: 'report per record, opaque, no headers',
    onlyErrors: false,
    opaque: true,
    headers: 0,
    bufferKey: false,
  },
  {
    name: 'reports only for errors, no opaque, 4 headers',
    onlyErrors: true,
    opaque: false,
    headers: 4,
    bufferKey: false,
  },
  {
    name: 'reports only for errors, no opaque, 1 header',
    onlyErrors: true,
    opaque: false,
    headers: 1,
    bufferKey: false,
  },
  {
    name: 'reports only for errors, no opaque, no headers',
    onlyErrors: true,
    opaque: false,
    headers: 0,
    bufferKey: false,
  },
  {
    name: 'reports only for errors, no opaque, no headers, Buffer key',
    onlyErrors: true,
    opaque: false,
    headers: 0,
    bufferKey: true,
  },
];

const topic = `produce-cost-${Date.now()}`;
const admin = new TopicManager(connection);
await admin.ensure([{ name: topic, partitions: 6 }]);
const value = randomBytes(300);
const headerSet: Kafka.MessageHeader[] = [
  { 'tm-event-type': 'PRICE_UPDATE' },
  { 'tm-priority': 'STANDARD' },
  { 'tm-event-id': '6f1c2a0e-3d4b-4f5a-9e8d-1c2b3a4d5e6f' },
  { 'tm-source': 'bench' },
];

for (const trial of trials) {
  const producer = new Kafka.Producer(
    producerConfig(connection, 'produce-cost', {
      dr_cb: true,
      ...(trial.onlyErrors ? { 'delivery.report.only.error': true } : {}),
    }) as Kafka.ProducerGlobalConfig,
  );
  await new Promise<void>((resolve, reject) => producer.connect({}, (e) => (e ? reject(e) : resolve())));
  producer.setPollInterval(2);
  let reports = 0;
  producer.on('delivery-report', () => reports++);
  const headers = trial.headers > 0 ? headerSet.slice(0, trial.headers) : undefined;
  const keys = Array.from({ length: 1000 }, (_, i) => (trial.bufferKey ? Buffer.from(`SYM${i}`) : `SYM${i}`));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    producer.produce(topic, null, value, keys[i % 1000], Date.now(), trial.opaque ? i : undefined, headers);
    if ((i & 1023) === 0) await new Promise((r) => setImmediate(r));
  }
  const cpuEnqueue = process.cpuUsage(cpu0);
  await new Promise<void>((resolve, reject) => producer.flush(60_000, (e) => (e ? reject(e) : resolve())));
  // Reports cross to JS on the poll interval: wait for the last one before reading the CPU.
  while (!trial.onlyErrors && reports < N) await new Promise((r) => setTimeout(r, 5));
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  const us = (c: NodeJS.CpuUsage) => ((c.user + c.system) / N).toFixed(1);
  console.log(
    `${trial.name}: ${us(cpuEnqueue)} µs/record to enqueue, ${us(cpu)} µs/record in all (reports ${reports}), ${Math.round(N / seconds)} records/s`,
  );
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
}
await admin.delete([topic]).catch(() => undefined);
process.exit(0);
