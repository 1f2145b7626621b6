// Records through the native batch path against the real broker: BusProducer (reports only for
// errors) hands them to librdkafka a batch per call, BusConsumer reads them back packed. Every
// shape a record can have survives byte for byte, in order; records librdkafka refuses (a full
// queue) go on through the per-record path and still arrive.

import Kafka from 'node-rdkafka';
import { afterAll, describe, expect, it } from 'vitest';
import { BusConsumer, type ConsumedRecord } from '../../../runtime/kafka/consumer.js';
import { consumerConfig } from '../../../runtime/kafka/librdkafka-config.js';
import {
  consumeBatch,
  consumeNow,
  HEADER,
  META,
  nativeBatchStatus,
  PackedRecord,
  produceBatch,
} from '../../../runtime/kafka/native-batch.js';
import { fromNativeHeaders } from '../../../runtime/kafka/native-headers.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const connection = servicesConfig();
const topics = new TopicManager(connection);
const created: string[] = [];
afterAll(() => topics.delete(created));

/** Reads `n` records of `topic` from its start with a BusConsumer, as messages or as records. */
async function readWith<T>(topic: string, n: number, take: 'messages' | 'records'): Promise<T[]> {
  const got: T[] = [];
  const into = (batch: unknown[]) => void got.push(...(batch as T[]));
  const consumer = new BusConsumer({
    connection,
    groupId: uniqueName(`g-native-${take}`),
    topics: [topic],
    ...(take === 'messages' ? { onBatch: into } : { onRecords: into }),
  });
  await consumer.connect();
  consumer.start();
  try {
    await waitFor(() => got.length >= n, 60_000, `${n} records`);
  } finally {
    await consumer.close();
  }
  return got;
}

const readAll = (topic: string, n: number) => readWith<Kafka.Message>(topic, n, 'messages');

/** The same as records (`onRecords`: through the addon, PackedRecords), read once each into plain ones. */
async function readRecords(topic: string, n: number): Promise<Kafka.Message[]> {
  const got = await readWith<ConsumedRecord>(topic, n, 'records');
  if (nativeBatchStatus().enabled) expect(got.every((r) => r instanceof PackedRecord)).toBe(true);
  // As messages again, so the same checks apply (headers already decoded: one object, as read).
  return got.map((r) => {
    const { topic, partition, offset, timestamp, key, value, headers } =
      r instanceof PackedRecord ? r.toRecord() : r;
    return {
      topic,
      partition,
      offset,
      timestamp,
      key: key ?? undefined,
      value,
      size: value?.length ?? 0,
      headers: Object.keys(headers).length > 0 ? [headers] : undefined,
    } as Kafka.Message;
  });
}

/**
 * The same, through the threadpool reader (`consumeBatch`, used when librdkafka's arrival signal
 * cannot be set up) on a plain node-rdkafka consumer; then one more read that finds nothing.
 */
async function readInThreadpool(topic: string, partitions: number, n: number): Promise<Kafka.Message[]> {
  const native = new Kafka.KafkaConsumer(
    consumerConfig(connection, 'native-threadpool', uniqueName('g-native-tp')) as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    native.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())),
  );
  const read = (max: number, timeoutMs: number) =>
    new Promise<Kafka.Message[]>((resolve, reject) =>
      consumeBatch(native, max, timeoutMs, (err, ms) => (err ? reject(err) : resolve(ms!))),
    );
  const got: Kafka.Message[] = [];
  try {
    native.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })));
    const deadline = Date.now() + 60_000;
    while (got.length < n && Date.now() < deadline) got.push(...(await read(64, 100)));
    expect(await read(64, 50)).toEqual([]);
  } finally {
    await new Promise((resolve) => native.disconnect(resolve));
  }
  return got;
}

describe('the native batch path', () => {
  it('keeps keys, values, headers, partitions and timestamps byte for byte, in order', async () => {
    if (process.env.TMBUS_NATIVE_BATCH !== '0') expect(nativeBatchStatus().enabled).toBe(true);
    const topic = uniqueName('native-batch');
    created.push(topic);
    await topics.ensure([domainTopic(topic, 2)]);
    const producer = new BusProducer({ connection, reportOnlyErrors: true });
    await producer.connect();
    const binary = Buffer.from([0x00, 0xff, 0x80, 0x00]);
    for (let i = 0; i < 300; i++)
      producer.produce(
        {
          topic,
          partition: i % 2,
          key: i % 3 === 0 ? `k-${i}` : i % 3 === 1 ? Buffer.from([i & 0xff, 0]) : null,
          value: i % 50 === 49 ? null : Buffer.from(`value ${i} ${'é'.repeat(i % 7)}`),
          timestamp: 1_700_000_000_000 + i,
          headers: i % 4 === 0 ? undefined : { 'tm-event-type': `T${i}`, bin: binary, empty: '' },
        },
        0,
      );
    await producer.flush();
    await producer.disconnect();

    if (process.env.TMBUS_NATIVE_BATCH !== '0') expectAllOf(await readInThreadpool(topic, 2, 300), binary);
    expectAllOf(await readAll(topic, 300), binary);
    expectAllOf(await readRecords(topic, 300), binary, false);
  });

  it('reads headers as the broker holds them: null and empty values, a name given twice, many', async () => {
    if (!nativeBatchStatus().enabled) return; // written through the addon: a null header value
    const topic = uniqueName('native-batch-headers');
    created.push(topic);
    await topics.ensure([domainTopic(topic, 1)]);
    const producer = new BusProducer({ connection, reportOnlyErrors: true });
    await producer.connect();
    // One record, 40 headers: 'dup' twice (the last wins), 'nul' with a null value, 'e' empty,
    // then h0..h35 with values of growing length (varint lengths past one byte).
    const names = ['dup', 'nul', 'e', ...Array.from({ length: 36 }, (_, i) => `h${i}`)];
    const parts: Buffer[] = [Buffer.from('first'), Buffer.from('second')];
    const entries: number[] = [0, 0, 5, 0, 5, 6, 1, 0, -1, 2, 11, 0];
    let at = 11;
    for (let i = 0; i < 36; i++) {
      const value = Buffer.alloc(i * 5, 97 + (i % 26));
      entries.push(3 + i, at, value.length);
      parts.push(value);
      at += value.length;
    }
    const data = Buffer.concat([...parts, Buffer.from('v')]);
    const meta = Int32Array.from([0, 0, 0, -1, at, 1, 0, entries.length / HEADER]);
    expect(meta.length).toBe(META);
    const [accepted] = produceBatch(
      producer.native,
      [topic],
      names,
      meta,
      Int32Array.from(entries),
      data,
      Float64Array.of(Date.now()),
      1,
      undefined,
      undefined,
    );
    expect(accepted).toBe(1);
    await producer.flush();
    await producer.disconnect();
    const [m] = await readAll(topic, 1);
    const h = fromNativeHeaders(m!.headers);
    expect(h.dup!.toString()).toBe('second');
    expect(h.nul!.length).toBe(0);
    expect(h.e!.length).toBe(0);
    for (let i = 0; i < 36; i++)
      expect(h[`h${i}`]!.toString()).toBe(String.fromCharCode(97 + (i % 26)).repeat(i * 5));
    expect(m!.value!.toString()).toBe('v');
  });

  function expectAllOf(got: Kafka.Message[], binary: Buffer, asRead = true): void {
    expect(got).toHaveLength(300);
    const seen = got.map((m) => Number(m.timestamp) - 1_700_000_000_000);
    for (const p of [0, 1]) {
      const inPartition = got
        .filter((m) => m.partition === p)
        .map((m) => Number(m.timestamp) - 1_700_000_000_000);
      expect(inPartition).toEqual([...inPartition].sort((a, b) => a - b));
      expect(inPartition.every((i) => i % 2 === p)).toBe(true);
    }
    expect(new Set(seen).size).toBe(300);
    for (const m of got) {
      const i = Number(m.timestamp) - 1_700_000_000_000;
      if (i % 3 === 0) expect(m.key?.toString()).toBe(`k-${i}`);
      else if (i % 3 === 1) expect([...(m.key as Buffer)]).toEqual([i & 0xff, 0]);
      else expect(m.key ?? null).toBeNull();
      if (i % 50 === 49) expect(m.value).toBeNull();
      else expect(m.value?.toString()).toBe(`value ${i} ${'é'.repeat(i % 7)}`);
      if (i % 4 === 0) expect(m.headers ?? []).toEqual([]);
      else {
        // As a record holds them: the per-record path sends binary values base64-encoded (named in
        // `tm-binary-headers`) and this decodes them; the native path sends and returns them as they are.
        const h = fromNativeHeaders(m.headers);
        expect(h['tm-event-type']!.toString()).toBe(`T${i}`);
        expect([...h.bin!]).toEqual([...binary]);
        expect(h.empty!.length).toBe(0);
        expect(h['tm-binary-headers']).toBeUndefined();
        if (nativeBatchStatus().enabled && asRead) expect(h).toBe(m.headers![0]);
      }
    }
  }

  it.each([
    ['one tag', () => 0],
    // A tag change ships what is packed; a record after a refused ship must not overtake it.
    ['a new tag every 7 records', (i: number) => Math.floor(i / 7)],
  ])(
    'hands records librdkafka refuses (a full queue) over again until it takes them, and delivers them (%s)',
    async (_, tagOf) => {
      const topic = uniqueName('native-batch-full');
      created.push(topic);
      await topics.ensure([domainTopic(topic, 1)]);
      const producer = new BusProducer({
        connection,
        reportOnlyErrors: true,
        librdkafka: { 'queue.buffering.max.messages': 20, 'linger.ms': 50 },
      });
      await producer.connect();
      const failures: unknown[] = [];
      producer.onDelivery((_tag, error) => {
        if (error) failures.push(error);
      });
      for (let i = 0; i < 200; i++)
        producer.produce({ topic, key: null, value: Buffer.from(String(i)) }, tagOf(i));
      await producer.flush();
      expect(producer.inFlight).toBe(0);
      await producer.disconnect();
      expect(failures).toEqual([]);
      const values = (await readAll(topic, 200)).map((m) => Number(m.value!.toString()));
      expect(new Set(values).size).toBe(200);
      // With the addon the refused records wait their turn, so one partition keeps the produce order
      // (the per-record path retries each on its own timer).
      if (nativeBatchStatus().enabled) expect(values).toEqual(Array.from({ length: 200 }, (_, i) => i));
    },
  );

  it('resolves every send librdkafka first refuses (a full queue) with its own position, in order', async () => {
    const topic = uniqueName('native-batch-send-full');
    created.push(topic);
    await topics.ensure([domainTopic(topic, 1)]);
    const producer = new BusProducer({
      connection,
      librdkafka: { 'queue.buffering.max.messages': 20, 'linger.ms': 50 },
    });
    await producer.connect();
    try {
      const reports = await producer.sendAll(
        Array.from({ length: 200 }, (_, i) => ({ topic, key: null, value: Buffer.from(String(i)) })),
      );
      expect(producer.inFlight).toBe(0);
      const values = new Map(
        (await readAll(topic, 200)).map((m) => [m.offset, Number(m.value!.toString())] as const),
      );
      // Each report names the offset its own record landed at.
      expect(reports.map((r) => values.get(r.offset))).toEqual(Array.from({ length: 200 }, (_, i) => i));
      // With the addon refused sends wait their turn, so one partition keeps the send order (the
      // per-record path retries each on its own timer).
      if (nativeBatchStatus().enabled)
        expect(reports.map((r) => r.offset)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    } finally {
      await producer.disconnect();
    }
  });

  // librdkafka's batch call moves a partition's position to the offset after an end-of-partition
  // event's: the next pause then resumes one record too far, and that record is never read (the
  // gateway lost one per failover test under load). Popped one by one (`eofEvents`), or in a batch
  // whose end-of-partition event is repaired by a seek, every record arrives once.
  it.skipIf(process.env.TMBUS_NATIVE_BATCH === '0').each([
    ['one by one (eofEvents)', true],
    ['in a batch, repaired', false],
  ])(
    'reads the record after an end-of-partition event once, across a pause and resume (%s)',
    async (_, eofEvents) => {
      const topic = uniqueName('native-batch-eof');
      created.push(topic);
      await topics.ensure([domainTopic(topic, 1)]);
      const producer = new BusProducer({ connection });
      await producer.connect();
      const native = new Kafka.KafkaConsumer(
        consumerConfig(connection, 'native-eof', uniqueName('g-native-eof'), {
          'enable.partition.eof': true,
        }) as Kafka.ConsumerGlobalConfig,
        { 'auto.offset.reset': 'earliest' },
      );
      await new Promise<void>((resolve, reject) =>
        native.connect({ timeout: 30_000 }, (err) => (err ? reject(err) : resolve())),
      );
      const got: number[] = [];
      const readFor = async (ms: number, until: () => boolean) => {
        const deadline = Date.now() + ms;
        while (!until() && Date.now() < deadline) {
          for (const m of consumeNow(native, 100, eofEvents)) got.push(m.offset);
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      try {
        for (let i = 0; i < 5; i++) await producer.send({ topic, key: null, value: Buffer.from(`r${i}`) });
        const tp = { topic, partition: 0 };
        native.assign([{ ...tp, offset: 0 }]);
        await readFor(30_000, () => got.length >= 5);
        await readFor(500, () => false); // caught up: the end-of-partition event is read too
        expect(got).toEqual([0, 1, 2, 3, 4]);
        // Paused before it is read: the resume fetches from the partition's position.
        await producer.send({ topic, key: null, value: Buffer.from('after the end') });
        native.pause([tp]);
        await new Promise((r) => setTimeout(r, 100));
        native.resume([tp]);
        await readFor(10_000, () => got.length >= 6);
        await readFor(300, () => false); // nothing read twice
        expect(got).toEqual([0, 1, 2, 3, 4, 5]);
      } finally {
        await new Promise((resolve) => native.disconnect(resolve));
        await producer.disconnect();
      }
    },
  );

  it.runIf(process.env.TMBUS_NATIVE_BATCH === '0')(
    'is off when TMBUS_NATIVE_BATCH=0 (the per-record run)',
    () => {
      expect(nativeBatchStatus()).toEqual({ enabled: false, status: 'off (TMBUS_NATIVE_BATCH=0)' });
    },
  );

  it.skipIf(process.env.TMBUS_NATIVE_BATCH === '0')(
    'wakes an idle consumer when records arrive, long before its idle wait ends, and closes at once',
    async () => {
      const topic = uniqueName('native-batch-wake');
      created.push(topic);
      await topics.ensure([domainTopic(topic, 1)]);
      const got: Kafka.Message[] = [];
      // Without librdkafka's arrival signal, an idle consumer would look again only after a minute.
      const consumer = new BusConsumer({
        connection,
        groupId: uniqueName('g-native-wake'),
        topics: [topic],
        idleWaitMs: 60_000,
        onBatch: (ms) => void got.push(...ms),
      });
      await consumer.connect();
      consumer.start();
      try {
        await waitFor(() => consumer.assignment().length === 1, 30_000, 'the assignment');
        await new Promise((r) => setTimeout(r, 1_000)); // the loop is now waiting, idle
        const producer = new BusProducer({ connection, reportOnlyErrors: true });
        await producer.connect();
        for (let i = 0; i < 5; i++)
          producer.produce({ topic, key: null, value: Buffer.from(`late ${i}`) }, 0);
        await producer.flush();
        await producer.disconnect();
        await waitFor(() => got.length >= 5, 15_000, '5 records after the consumer went idle');
        await new Promise((r) => setTimeout(r, 1_000)); // idle again
      } finally {
        const closing = Date.now();
        await consumer.close();
        expect(Date.now() - closing).toBeLessThan(15_000);
      }
      expect(got.map((m) => m.value!.toString())).toEqual([0, 1, 2, 3, 4].map((i) => `late ${i}`));
    },
  );
});
