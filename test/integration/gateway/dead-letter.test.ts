// Lane records the gateway can never decode, against the real Kafka, registry and Redis: garbage
// bytes and a schema id the registry does not have, with headers and a key that route them to a
// channel a client reads. Each is dead-lettered to `<groupId>-dlq` with the `tm-dlq-*` headers and
// its own bytes (a binary header included); the channel's live client is asked to resume and told
// RESUME_GAP naming them; a client resuming across them later is told the same; valid events
// around them arrive once and in order.

import Kafka from 'node-rdkafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, HEADERS } from '../../../core/headers.js';
import type { Delivery, ResumeResult } from '../../../gateway/client/index.js';
import { GATEWAY_DECODE_STAGE } from '../../../gateway/delivery/laneDeadLetters.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { fromNativeHeaders } from '../../../runtime/kafka/native-headers.js';
import { BusProducer } from '../../../runtime/kafka/producer.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { uniqueName } from '../../support/services.js';
import { connection, createFixture, eventually, type Fixture, token } from './support/harness.js';

let fx: Fixture;
let gw: { gateway: Gateway; url: string };
let producer: BusProducer;
const dlqTopic = () => `${fx.groupId}-dlq`;

beforeAll(async () => {
  fx = await createFixture('dlq', 1);
  gw = await fx.startGateway({ instanceId: 'gw-dlq' });
  producer = new BusProducer({ connection, clientId: uniqueName('gw-dlq-test') });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await fx?.cleanup();
  await new TopicManager(connection).delete([dlqTopic()]).catch(() => undefined);
});

const margin = (account: string) => ({ header: { accountId: account } }) as never;
const BINARY = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc3, 0x28]);

/** Undecodable bytes whose headers and key say "a MARGIN_CALL of `account`" (channel risk:<account>). */
function sendUndecodable(account: string, value: Buffer) {
  return producer.send({
    topic: fx.lanes.CRITICAL,
    key: Buffer.from(account),
    value,
    headers: {
      [HEADERS.eventType]: Buffer.from('MARGIN_CALL'),
      [HEADERS.priority]: Buffer.from('CRITICAL'),
      'x-binary': BINARY,
    },
  });
}

/** Confluent framing (magic 0) with a schema id no registry has. */
const unknownSchemaId = () => Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xfe]), Buffer.from('body')]);

interface RawRecord {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

/** Reads `topic` from the start until `count` records, keeping header bytes as they are. */
async function readRaw(topic: string, count: number, timeoutMs = 30_000): Promise<RawRecord[]> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': connection.kafka.brokers,
      'group.id': uniqueName('dlq-reader'),
      'enable.auto.commit': false,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({}, (err) => (err ? reject(err) : resolve())),
  );
  consumer.subscribe([topic]);
  const out: RawRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (out.length < count && Date.now() < deadline) {
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(100, (err, m) => (err ? reject(err) : resolve(m))),
      );
      for (const m of batch) {
        // As the bus reads headers: values sent base64-encoded (tm-binary-headers) decoded back.
        const headers = fromNativeHeaders(m.headers);
        out.push({ offset: m.offset, key: (m.key as Buffer) ?? null, value: m.value ?? null, headers });
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

describe('an undecodable lane record', () => {
  it('is dead-lettered with its bytes and tm-dlq-* headers, and its channel is told of the gap', async () => {
    const live = fx.client(gw.url, { token: await token('u-d1', ['trader'], { account: 'ACC-D1' }) });
    const away = fx.client(gw.url, { token: await token('u-d2', ['trader'], { account: 'ACC-D1' }) });
    const got: Delivery[] = [];
    const gotAway: Delivery[] = [];
    const gaps: ResumeResult[] = [];
    const gapsAway: ResumeResult[] = [];
    const notices: { reason: string; channels: string[] }[] = [];
    live.onChannel('risk:ACC-D1', (d) => got.push(d));
    live.onResumeGap((r) => gaps.push(r));
    live.socket.on('resume:required', (n) => notices.push(n));
    away.onChannel('risk:ACC-D1', (d) => gotAway.push(d));
    away.onResumeGap((r) => gapsAway.push(r));
    await live.connect();
    await away.connect();
    expect((await live.subscribe('risk:ACC-D1')).ok).toBe(true);
    expect((await away.subscribe('risk:ACC-D1')).ok).toBe(true);

    const before = await fx.publish('MARGIN_CALL', margin('ACC-D1'));
    await eventually(() => got.length === 1 && gotAway.length === 1, 20_000, 'first event');
    away.socket.disconnect();

    const garbage = await sendUndecodable('ACC-D1', Buffer.from('definitely not Avro'));
    const unknown = await sendUndecodable('ACC-D1', unknownSchemaId());
    const after = await fx.publish('RISK_LIMIT_BREACH', margin('ACC-D1'));

    // The live client: asked to resume, told RESUME_GAP naming both records, sees the valid ones once.
    const lostOf = (results: ResumeResult[]) => results.flatMap((g) => (!g.ok && g.lost) || []);
    // One resume per notice: the first may already cover both records, or each reports its own.
    await eventually(() => lostOf(gaps).length === 2 && got.length === 2, 30_000, 'gap reported live');
    expect(notices[0]).toMatchObject({
      channels: ['risk:ACC-D1'],
      reason: expect.stringMatching(/dead-lettered/),
    });
    expect(lostOf(gaps).map((l) => [l.position.offset, l.code, l.exact])).toEqual([
      [garbage.offset, 'SERDE_MAGIC_BYTE', true],
      [unknown.offset, 'SERDE_UNKNOWN_SCHEMA', true],
    ]);
    expect(gaps[0]).toMatchObject({ channel: 'risk:ACC-D1', ok: false, code: 'RESUME_GAP' });
    expect(got.map((d) => d.position.offset)).toEqual([before.offset, after.offset]);
    // The delivery after the dead records does not chain past them.
    expect(got[1]!.prev).toBe(unknown.offset);
    expect(gw.gateway.metrics.deadLettered).toBe(2);

    // A client that was away resumes across them: the valid event is replayed, the gap reported.
    away.socket.connect();
    await eventually(() => gapsAway.length === 1 && gotAway.length === 2, 30_000, 'resume across the gap');
    expect(gapsAway[0]).toMatchObject({ ok: false, code: 'RESUME_GAP', replayed: 1 });
    expect(!gapsAway[0]!.ok && gapsAway[0]!.lost?.map((l) => l.position.offset)).toEqual([
      garbage.offset,
      unknown.offset,
    ]);
    expect(gotAway.map((d) => d.position.offset)).toEqual([before.offset, after.offset]);

    // Both records are in the gateway's DLQ, byte for byte, with the tm-dlq-* headers.
    const dead = await readRaw(dlqTopic(), 2);
    expect(dead).toHaveLength(2);
    const text = (r: RawRecord, h: string) => r.headers[h]?.toString('utf8');
    expect(
      dead.map((r) => [text(r, DEAD_LETTER_HEADERS.offset), text(r, DEAD_LETTER_HEADERS.errorCode)]),
    ).toEqual([
      [String(garbage.offset), 'SERDE_MAGIC_BYTE'],
      [String(unknown.offset), 'SERDE_UNKNOWN_SCHEMA'],
    ]);
    for (const r of dead) {
      expect(text(r, DEAD_LETTER_HEADERS.topic)).toBe(fx.lanes.CRITICAL);
      expect(text(r, DEAD_LETTER_HEADERS.partition)).toBe('0');
      expect(text(r, DEAD_LETTER_HEADERS.stage)).toBe(GATEWAY_DECODE_STAGE);
      expect(text(r, DEAD_LETTER_HEADERS.retriable)).toBe('false');
      expect(text(r, DEAD_LETTER_HEADERS.applicationId)).toBe(fx.groupId);
      expect(text(r, HEADERS.eventType)).toBe('MARGIN_CALL');
      expect(r.key).toEqual(Buffer.from('ACC-D1'));
    }
    expect(dead[0]!.value).toEqual(Buffer.from('definitely not Avro'));
    expect(dead[1]!.value).toEqual(unknownSchemaId());
    deadLetters = dead;
  });

  // Kept apart: it needs the producer's and the gateway's header encoding to agree
  // (runtime/kafka/native-headers.ts).
  it('keeps a binary header value byte for byte through the lane and the gateway', () => {
    expect(deadLetters).toHaveLength(2);
    for (const r of deadLetters) expect(r.headers['x-binary']).toEqual(BINARY);
  });
});

let deadLetters: RawRecord[] = [];
