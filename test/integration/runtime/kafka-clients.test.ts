// BusProducer / BusConsumer / TopicManager against the real broker: delivery reports, group
// consumption in order, commits that survive a restart, and topic conflict detection.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isBusError } from '../../../core/errors.js';
import { createLogger } from '../../../core/logger.js';
import { Decision } from '../../../runtime/engine/error-handlers.js';
import { OutputWriter } from '../../../runtime/engine/output-writer.js';
import { BusConsumer } from '../../../runtime/kafka/consumer.js';
import { nativeBatchStatus, queuedIn } from '../../../runtime/kafka/native-batch.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { changelogTopic, domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { KafkaTransportProducer } from '../../../runtime/transport/librdkafka/kafka-transport.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
/** With the addon, a producer that reports only errors counts every record's report in C++. */
const counted = nativeBatchStatus().enabled;
const topics = new TopicManager(connection);
const created: string[] = [];

afterAll(async () => {
  await topics.delete(created);
});

async function readN(
  groupId: string,
  topic: string,
  n: number,
): Promise<{ key: string; value: string; partition: number; offset: number }[]> {
  const got: { key: string; value: string; partition: number; offset: number }[] = [];
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const consumer = new BusConsumer({
    connection,
    groupId,
    topics: [topic],
    onBatch: (messages) => {
      for (const m of messages)
        got.push({ key: String(m.key), value: String(m.value), partition: m.partition, offset: m.offset });
      consumer.commit(
        messages.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1 })),
      );
      if (got.length >= n) done();
    },
  });
  await consumer.connect();
  consumer.start();
  await Promise.race([
    finished,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`timed out with ${got.length}/${n}`)), 60_000),
    ),
  ]);
  await consumer.close();
  return got;
}

/** A new domain topic of `partitions` (deleted after the file) and a connected producer. */
async function producerOnNewTopic(prefix: string, partitions: number) {
  const topic = uniqueName(prefix);
  created.push(topic);
  await topics.ensure([domainTopic(topic, partitions)]);
  const producer = new BusProducer({ connection });
  await producer.connect();
  return { topic, producer };
}

describe('Kafka clients', () => {
  it('reports no record one by one when asked, and a flush that runs out of time is a retriable ERR__TIMED_OUT', async () => {
    const topic = uniqueName('it-only-errors');
    created.push(topic);
    await topics.ensure([domainTopic(topic, 1)]);
    const producer = new BusProducer({
      connection,
      reportOnlyErrors: true,
      librdkafka: { 'linger.ms': 500 },
    });
    const reports: unknown[] = [];
    producer.onDelivery((tag, error, count) => reports.push({ tag, error, count }));
    await producer.connect();
    expect(producer.flushIsBarrier).toBe(!counted);
    await expect(producer.send({ topic, key: 'k', value: Buffer.from('v') })).rejects.toThrow(
      /reports only errors/,
    );
    for (let i = 0; i < 10; i++) producer.produce({ topic, key: `k${i}`, value: Buffer.from(`v${i}`) }, 0);
    // Lingering 500 ms: a flush given no time cannot finish — the commit barrier waits it out.
    const timedOut = await producer.flush(0).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isBusError(timedOut) && timedOut.retriable).toBe(true);
    expect((timedOut as { cause?: { code?: number } }).cause?.code).toBe(-185);
    await producer.flush(10_000);
    // Delivered: one count for all ten (the addon), or no report at all (failures only).
    expect(reports).toEqual(counted ? [{ tag: 0, error: undefined, count: 10 }] : []);
    await producer.disconnect();
    const read = await readN(uniqueName('it-only-errors-g'), topic, 10);
    expect(read.map((r) => r.value).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
  });

  it('reports a record the broker refuses before the flush that waited for it resolves', async () => {
    const topic = uniqueName('it-refused');
    created.push(topic);
    // The broker takes batches of at most 2 KiB on this topic; random bytes do not compress.
    await topics.ensure([{ ...domainTopic(topic, 1), config: { 'max.message.bytes': '2048' } }]);
    const producer = new BusProducer({ connection, reportOnlyErrors: true });
    const reports: { tag: number; error?: { code?: string } }[] = [];
    producer.onDelivery((tag, error) => {
      if (error) reports.push({ tag, error });
    });
    await producer.connect();
    try {
      producer.produce({ topic, key: 'small', value: Buffer.from('fits') }, 0);
      await producer.flush(10_000);
      producer.produce({ topic, key: 'big', value: randomBytes(16_384) }, 1);
      await producer.flush(30_000);
      // The flush is the barrier: the refusal is known when it resolves, not some time later.
      expect(reports).toHaveLength(1);
      expect(reports[0]!.tag).toBe(counted ? 1 : -1);
      expect(reports[0]!.error?.code).toBe('KAFKA_PRODUCE');
    } finally {
      await producer.disconnect();
    }
  });

  it.skipIf(!counted)(
    'counts delivery reports per tag, so a barrier waits only for its own tag',
    async () => {
      const topic = uniqueName('it-counted');
      created.push(topic);
      await topics.ensure([domainTopic(topic, 3)]);
      const producer = new BusProducer({ connection, reportOnlyErrors: true });
      const delivered = new Map<number, number>();
      producer.onDelivery((tag, error, count) => {
        expect(error).toBeUndefined();
        delivered.set(tag, (delivered.get(tag) ?? 0) + (count ?? 1));
      });
      await producer.connect();
      try {
        for (let i = 0; i < 250; i++)
          producer.produce({ topic, key: `a${i}`, value: Buffer.from(`a${i}`) }, 0);
        for (let i = 0; i < 120; i++)
          producer.produce({ topic, key: `b${i}`, value: Buffer.from(`b${i}`) }, 1);
        expect(producer.inFlight).toBe(370);
        await producer.flush(10_000);
        expect(Object.fromEntries(delivered)).toEqual({ 0: 250, 1: 120 });
        expect(producer.inFlight).toBe(0);
      } finally {
        await producer.disconnect();
      }
      expect(await readN(uniqueName('it-counted-g'), topic, 370)).toHaveLength(370);
    },
  );

  it.skipIf(!counted)(
    'at least once, outputs written during a commit barrier go to Kafka at once, not after it',
    async () => {
      const topic = uniqueName('it-no-hold');
      created.push(topic);
      await topics.ensure([domainTopic(topic, 1)]);
      const producer = new KafkaTransportProducer(connection, {
        clientId: 'it-no-hold',
        reportOnlyErrors: true,
        librdkafka: { 'linger.ms': 200 },
      });
      await producer.connect();
      const writer = new OutputWriter({
        producer,
        production: () => Decision.FAIL,
        log: createLogger({ level: 'silent' }),
        written: () => {},
        fail: (e) => {
          throw e;
        },
      });
      try {
        writer.send({ topic, key: Buffer.from('before'), value: Buffer.from('before') });
        const barrier = writer.settled(); // lingering 200 ms: it waits for 'before'
        writer.send({ topic, key: Buffer.from('during'), value: Buffer.from('during') });
        await Promise.resolve();
        expect(writer.heldCount).toBe(0);
        // Both are in librdkafka's queue now: nothing waits on this side for the barrier.
        expect(queuedIn(producer.producer.native)).toBe(2);
        await barrier;
        await writer.settled();
        expect(writer.failed).toBeUndefined();
      } finally {
        await producer.producer.disconnect();
      }
      const read = await readN(uniqueName('it-no-hold-g'), topic, 2);
      expect(read.map((r) => r.value)).toEqual(['before', 'during']);
    },
  );

  it.skipIf(!nativeBatchStatus().enabled)(
    "expedite hands the runtime's batched records to librdkafka at once, not at the end of the task",
    async () => {
      const topic = uniqueName('it-expedite');
      created.push(topic);
      await topics.ensure([domainTopic(topic, 1)]);
      const transport = new KafkaTransportProducer(connection, {
        clientId: 'it-expedite',
        reportOnlyErrors: true,
        librdkafka: { 'linger.ms': 500 },
      });
      await transport.connect();
      try {
        transport.produce({ topic, key: 'critical', value: Buffer.from('alert') }, 0);
        // Packed on this side until the task's synchronous pass ends...
        expect(queuedIn(transport.producer.native)).toBe(0);
        transport.expedite();
        // ...unless a CRITICAL record's outputs are expedited: then librdkafka has it now.
        expect(queuedIn(transport.producer.native)).toBe(1);
        await transport.flush(10_000);
      } finally {
        await transport.producer.disconnect();
      }
      const read = await readN(uniqueName('it-expedite-g'), topic, 1);
      expect(read.map((r) => r.value)).toEqual(['alert']);
    },
  );

  it('rejects the send the broker refuses and resolves the ones around it', async () => {
    const topic = uniqueName('it-send-refused');
    created.push(topic);
    // The broker takes batches of at most 2 KiB on this topic; random bytes do not compress.
    await topics.ensure([{ ...domainTopic(topic, 1), config: { 'max.message.bytes': '2048' } }]);
    const producer = new BusProducer({ connection });
    await producer.connect();
    try {
      const before = await producer.send({ topic, key: 'small', value: Buffer.from('fits') });
      const refused = producer.send({ topic, key: 'big', value: randomBytes(16_384) });
      await expect(refused).rejects.toMatchObject({ code: 'KAFKA_PRODUCE' });
      const after = await producer.send({ topic, key: 'small', value: Buffer.from('fits too') });
      expect([before.offset, after.offset]).toEqual([0, 1]);
      expect(producer.inFlight).toBe(0);
    } finally {
      await producer.disconnect();
    }
  });

  it('produces with delivery reports and consumes every record in per-partition order', async () => {
    const { topic, producer } = await producerOnNewTopic('it-clients', 3);
    const records = Array.from({ length: 300 }, (_, i) => ({
      topic,
      key: `k${i % 7}`,
      value: Buffer.from(String(i)),
    }));
    const reports = await producer.sendAll(records);
    await producer.disconnect();
    expect(reports).toHaveLength(300);
    expect(new Set(reports.map((r) => r.partition)).size).toBeGreaterThan(1);

    const got = await readN(uniqueName('g'), topic, 300);
    expect(got.map((g) => Number(g.value)).sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
    // Each report names where its own record landed (with the addon, positions come back by id).
    const at = new Map(got.map((g) => [`${g.partition}@${g.offset}`, Number(g.value)]));
    expect(reports.map((r) => at.get(`${r.partition}@${r.offset}`))).toEqual(records.map((_, i) => i));
    expect(reports.every((r) => r.topic === topic)).toBe(true);
    // Same key → same partition, and values of one key arrive in the order produced.
    for (let k = 0; k < 7; k++) {
      const ofKey = got.filter((g) => g.key === `k${k}`);
      expect(new Set(ofKey.map((g) => g.partition)).size).toBe(1);
      const values = ofKey.map((g) => Number(g.value));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  // The signal comes from the native addon; without it (the per-record run) a timer polls.
  it.skipIf(process.env.TMBUS_NATIVE_BATCH === '0')(
    'serves delivery reports when librdkafka signals them, with no polling timer',
    async () => {
      const { topic, producer } = await producerOnNewTopic('it-reports', 1);
      // No timer polls this producer (node-rdkafka keeps its interval handle in `pollInterval`):
      // each report below reaches its promise only because the main queue's signal made it poll.
      expect((producer.native as unknown as { pollInterval?: unknown }).pollInterval).toBeUndefined();
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 200)); // idle between sends: nothing else polls
        const report = await producer.send({ topic, key: 'k', value: Buffer.from(String(i)) });
        expect(report.offset).toBe(i);
      }
      await producer.disconnect();
    },
  );

  it('resumes a group from its committed offsets', async () => {
    const { topic, producer } = await producerOnNewTopic('it-commit', 1);
    await producer.sendAll(
      Array.from({ length: 10 }, (_, i) => ({ topic, key: 'a', value: Buffer.from(`first-${i}`) })),
    );
    const group = uniqueName('g');
    const first = await readN(group, topic, 10);
    expect(first).toHaveLength(10);
    await producer.sendAll(
      Array.from({ length: 5 }, (_, i) => ({ topic, key: 'a', value: Buffer.from(`second-${i}`) })),
    );
    await producer.disconnect();
    const second = await readN(group, topic, 5);
    expect(second.map((g) => g.value)).toEqual(['second-0', 'second-1', 'second-2', 'second-3', 'second-4']);
  });

  it('creates compacted changelog topics and refuses a partition-count conflict', async () => {
    const topic = uniqueName('it-conflict');
    created.push(topic);
    await topics.ensure([changelogTopic(topic, 2)]);
    expect((await topics.describe([topic])).get(topic)?.partitions).toBe(2);
    await topics.ensure([changelogTopic(topic, 2)]); // idempotent
    const err = await topics.ensure([domainTopic(topic, 4)]).catch((e) => e);
    expect(isBusError(err) && err.code).toBe('TOPIC_CONFLICT');
    expect(String(err.message)).toContain(`'${topic}' exists with 2 partition(s) but 4 are declared`);
  });
});
