// Lane records → deliveries: one emit per event to its channel room with position and prev link,
// transient decode failures retried in place (then the batch fails, nothing skipped), permanent ones
// dead-lettered with the gap made visible on their channel.
import type { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { type BusError, SchemaRegistryError, SerdeError } from '../../../core/errors.js';
import { HEADERS } from '../../../core/headers.js';
import { silentLogger } from '../../../core/logger.js';
import { createChannelRouter } from '../../../gateway/channels/routing.js';
import type { Delivery } from '../../../gateway/client/protocol.js';
import type { EventDecoder } from '../../../gateway/decoder.js';
import { ChannelChains, Fanout } from '../../../gateway/delivery/fanout.js';
import type { LaneDeadLetters } from '../../../gateway/delivery/laneDeadLetters.js';
import { deliveredBefore, type LaneRecord } from '../../../gateway/delivery/laneSource.js';
import { GatewayMetrics } from '../../../gateway/metrics.js';
import { sampleEvent } from '../../../schemas/samples.js';

/** Records emits; the adapter itself is exercised by the integration tests. */
function recordingIo() {
  const emitted: { room: string; event: string; delivery: Delivery }[] = [];
  const notices: { room: string; event: string; notice: { reason: string; channels: string[] } }[] = [];
  const io = {
    to: (room: string) => ({
      emit: (event: string, payload: Delivery & { reason: string; channels: string[] }) => {
        if (event === 'resume:required') notices.push({ room, event, notice: payload });
        else emitted.push({ room, event, delivery: payload });
      },
    }),
  };
  return { io: io as unknown as Server, emitted, notices };
}

/** Keeps dead letters in memory; `fail` makes the next write fail (broker down). */
function recordingDeadLetters() {
  const written: { record: LaneRecord; error: BusError }[] = [];
  const sink = {
    topic: 'gw-dlq',
    fail: false,
    async write(record: LaneRecord, error: BusError) {
      if (sink.fail) throw new Error('broker unreachable');
      written.push({ record, error });
    },
    async close() {},
  };
  return { sink: sink as LaneDeadLetters & { fail: boolean }, written };
}

function fanoutOf(io: Server, decoder: EventDecoder, deadLetters = recordingDeadLetters().sink) {
  const metrics = new GatewayMetrics();
  const fanout = new Fanout({
    io,
    decoder,
    router: createChannelRouter(),
    metrics,
    logger: silentLogger(),
    deadLetters,
    decodeRetry: { initialDelayMs: 1, maxDelayMs: 5, maxElapsedMs: 200 },
  });
  return { fanout, metrics };
}

const jsonDecoder: EventDecoder = { deserialize: (bytes) => JSON.parse(bytes.toString()) };
const record = (offset: number, value: unknown, partition = 0): LaneRecord => ({
  priority: 'CRITICAL',
  topic: 'tm.lane.critical',
  partition,
  offset,
  key: null,
  value: value === null ? null : Buffer.from(JSON.stringify(value)),
  timestamp: 0,
  headers: [],
});

const garbageDecoder: EventDecoder = {
  deserialize(bytes, ctx) {
    if (bytes.toString() === 'garbage')
      throw new SerdeError('SERDE_MAGIC_BYTE', 'not Avro', { context: { ...ctx } });
    return JSON.parse(bytes.toString());
  },
};

/** Garbage bytes whose headers and key name a MARGIN_CALL of `account` (so channel risk:<account>). */
const garbage = (offset: number, account?: string): LaneRecord => ({
  ...record(offset, {}),
  value: Buffer.from('garbage'),
  key: account ? Buffer.from(account) : null,
  headers: account
    ? [{ [HEADERS.eventType]: Buffer.from('MARGIN_CALL') }, { bin: Buffer.from([0, 255]) }]
    : [],
});

describe('Fanout', () => {
  it('emits each event once to its channel room, named after its type, with position and prev', async () => {
    const { io, emitted } = recordingIo();
    const { fanout, metrics } = fanoutOf(io, jsonDecoder);
    const a = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-A' } });
    const b = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-B' } });
    await fanout.deliver([record(10, a), record(11, b), record(12, a), record(13, null)]);
    expect(emitted.map((e) => [e.room, e.event, e.delivery.position.offset, e.delivery.prev])).toEqual([
      ['risk:ACC-A', 'MARGIN_CALL', 10, -1],
      ['risk:ACC-B', 'MARGIN_CALL', 11, -1],
      ['risk:ACC-A', 'MARGIN_CALL', 12, 10],
    ]);
    expect(emitted[0]!.delivery).toMatchObject({
      channel: 'risk:ACC-A',
      type: 'MARGIN_CALL',
      priority: 'CRITICAL',
    });
    expect(metrics.deliveries.CRITICAL).toBe(3);
    expect(metrics.undeliverable).toBe(1);
  });

  it('yields the event loop inside a long batch, keeping the batch order', async () => {
    const { io, emitted } = recordingIo();
    // A decoder that costs 1 ms per record: 64 records would hold the loop for 64 ms in one go.
    const slow: EventDecoder = {
      deserialize(bytes) {
        const until = performance.now() + 1;
        while (performance.now() < until);
        return JSON.parse(bytes.toString());
      },
    };
    const { fanout } = fanoutOf(io, slow);
    const e = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-A' } });
    const ticks: number[] = [];
    const tick = () => {
      ticks.push(emitted.length);
      if (emitted.length < 64) setImmediate(tick);
    };
    setImmediate(tick);
    await fanout.deliver(Array.from({ length: 64 }, (_, i) => record(i, e)));
    expect(emitted.map((x) => x.delivery.position.offset)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    // Other work ran between parts of the batch, not only before and after it.
    expect(ticks.some((n) => n > 0 && n < 64)).toBe(true);
  });

  it('retries a registry outage in place; bytes that never decode are dead-lettered, not emitted', async () => {
    const { io, emitted } = recordingIo();
    const dlq = recordingDeadLetters();
    let failures = 2;
    const flaky: EventDecoder = {
      deserialize(bytes, ctx) {
        if (bytes.toString() !== 'garbage' && failures-- > 0)
          throw new SchemaRegistryError('SCHEMA_REGISTRY_UNAVAILABLE', 'registry down', { retriable: true });
        return garbageDecoder.deserialize(bytes, ctx);
      },
    };
    const { fanout, metrics } = fanoutOf(io, flaky, dlq.sink);
    await fanout.deliver([
      garbage(1),
      record(2, sampleEvent('STOP_LOSS_TRIGGERED', { header: { accountId: 'ACC-C' } })),
    ]);
    expect(emitted.map((e) => e.delivery.position.offset)).toEqual([2]);
    expect(failures).toBe(-1);
    expect(dlq.written.map((w) => [w.record.offset, w.error.code])).toEqual([[1, 'SERDE_MAGIC_BYTE']]);
    expect(metrics.deadLettered).toBe(1);
    expect(metrics.undeliverable).toBe(0);
  });

  it("breaks the chain of the dead record's channel and asks its clients to resume", async () => {
    const { io, emitted, notices } = recordingIo();
    const dlq = recordingDeadLetters();
    const { fanout } = fanoutOf(io, garbageDecoder, dlq.sink);
    const a = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-A' } });
    await fanout.deliver([record(10, a), garbage(11, 'ACC-A'), record(12, a)]);
    // prev of the next delivery is the dead record, so a client holding cursor 11 sees a gap.
    expect(emitted.map((e) => [e.room, e.delivery.position.offset, e.delivery.prev])).toEqual([
      ['risk:ACC-A', 10, -1],
      ['risk:ACC-A', 12, 11],
    ]);
    expect(notices).toEqual([
      {
        room: 'risk:ACC-A',
        event: 'resume:required',
        notice: { reason: expect.stringMatching(/@11 .*dead-lettered/), channels: ['risk:ACC-A'] },
      },
    ]);
    // The dead letter keeps the record's bytes: value, key and a binary header.
    const dead = dlq.written[0]!.record;
    expect(dead.value).toEqual(Buffer.from('garbage'));
    expect(dead.key).toEqual(Buffer.from('ACC-A'));
    expect(dead.headers[1]!.bin).toEqual(Buffer.from([0, 255]));
  });

  it('without a channel in its headers, breaks every known chain the record may have belonged to', async () => {
    const { io, emitted, notices } = recordingIo();
    const { fanout } = fanoutOf(io, garbageDecoder);
    const a = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-A' } });
    const b = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-B' } });
    await fanout.deliver([record(1, a), record(2, b), garbage(3), record(4, a), record(5, b)]);
    expect(emitted.map((e) => [e.delivery.position.offset, e.delivery.prev])).toEqual([
      [1, -1],
      [2, -1],
      [4, 3],
      [5, 3],
    ]);
    expect(notices).toEqual([]);
  });

  it('fails the batch at a record it could neither decode nor dead-letter, after the records before it', async () => {
    const { io, emitted } = recordingIo();
    const down: EventDecoder = {
      deserialize(bytes) {
        if (bytes.toString() === 'new-schema')
          throw new SchemaRegistryError('SCHEMA_REGISTRY_UNAVAILABLE', 'registry down', { retriable: true });
        return JSON.parse(bytes.toString());
      },
    };
    const { fanout } = fanoutOf(io, down);
    const ok = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-A' } });
    const batch = [record(1, ok), { ...record(2, {}), value: Buffer.from('new-schema') }, record(3, ok)];
    const err = await fanout.deliver(batch).catch((e: BusError) => e);
    expect(err).toMatchObject({
      code: 'SCHEMA_REGISTRY_UNAVAILABLE',
      retriable: true,
      context: { topic: 'tm.lane.critical', partition: 0, offset: 2 },
    });
    expect(emitted.map((e) => e.delivery.position.offset)).toEqual([1]);
    expect(deliveredBefore(batch, err).map((r) => r.offset)).toEqual([1]);

    const dlq = recordingDeadLetters();
    dlq.sink.fail = true;
    const { fanout: noDlq } = fanoutOf(io, garbageDecoder, dlq.sink);
    await expect(noDlq.deliver([garbage(7, 'ACC-A')])).rejects.toMatchObject({
      code: 'KAFKA_PRODUCE',
      context: { offset: 7 },
    });
  });
});

describe('ChannelChains', () => {
  it('links per channel and partition, forgets moved partitions, and stays bounded', () => {
    const chains = new ChannelChains(2);
    expect(chains.link('t/0', 'a', 1)).toBe(-1);
    expect(chains.link('t/1', 'a', 5)).toBe(-1);
    expect(chains.link('t/0', 'a', 3)).toBe(1);
    expect(chains.link('t/0', 'a', 2)).toBe(-1); // a rewind never links backwards
    chains.forget([{ topic: 't', partition: 0 }]);
    expect(chains.link('t/0', 'a', 9)).toBe(-1);
    chains.link('t/0', 'b', 10);
    chains.link('t/0', 'c', 11); // evicts the least recently linked channel (a)
    expect(chains.link('t/0', 'a', 12)).toBe(-1);
    expect(chains.link('t/0', 'c', 13)).toBe(11);
  });
});
