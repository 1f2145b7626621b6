// Lane records → deliveries: one emit per event to its channel room with position and prev link,
// transient decode failures retried in place, permanent ones skipped and counted.
import type { Server } from 'socket.io';
import { describe, expect, it } from 'vitest';
import { SchemaRegistryError, SerdeError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { createChannelRouter } from '../../../gateway/channels/routing.js';
import type { Delivery } from '../../../gateway/client/protocol.js';
import type { EventDecoder } from '../../../gateway/decoder.js';
import { ChannelChains, Fanout } from '../../../gateway/delivery/fanout.js';
import type { LaneRecord } from '../../../gateway/delivery/laneConsumer.js';
import { GatewayMetrics } from '../../../gateway/metrics.js';
import { sampleEvent } from '../../../schemas/samples.js';

/** Records emits; the adapter itself is exercised by the integration tests. */
function recordingIo() {
  const emitted: { room: string; event: string; delivery: Delivery }[] = [];
  const io = {
    to: (room: string) => ({
      emit: (event: string, delivery: Delivery) => emitted.push({ room, event, delivery }),
    }),
  };
  return { io: io as unknown as Server, emitted };
}

const jsonDecoder: EventDecoder = { deserialize: (bytes) => JSON.parse(bytes.toString()) };
const record = (offset: number, value: unknown, partition = 0): LaneRecord => ({
  priority: 'CRITICAL',
  topic: 'tm.lane.critical',
  partition,
  offset,
  value: value === null ? null : Buffer.from(JSON.stringify(value)),
  timestamp: 0,
});

describe('Fanout', () => {
  it('emits each event once to its channel room, named after its type, with position and prev', async () => {
    const { io, emitted } = recordingIo();
    const metrics = new GatewayMetrics();
    const fanout = new Fanout({
      io,
      decoder: jsonDecoder,
      router: createChannelRouter(),
      metrics,
      logger: silentLogger(),
    });
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

  it('retries a registry outage in place and skips bytes that never decode', async () => {
    const { io, emitted } = recordingIo();
    const metrics = new GatewayMetrics();
    let failures = 2;
    const flaky: EventDecoder = {
      deserialize(bytes, ctx) {
        if (bytes.toString() === 'garbage')
          throw new SerdeError('SERDE_MAGIC_BYTE', 'not Avro', { context: { ...ctx } });
        if (failures-- > 0)
          throw new SchemaRegistryError('SCHEMA_REGISTRY_UNAVAILABLE', 'registry down', { retriable: true });
        return JSON.parse(bytes.toString());
      },
    };
    const fanout = new Fanout({
      io,
      decoder: flaky,
      router: createChannelRouter(),
      metrics,
      logger: silentLogger(),
    });
    const garbage: LaneRecord = { ...record(1, {}), value: Buffer.from('garbage') };
    await fanout.deliver([
      garbage,
      record(2, sampleEvent('STOP_LOSS_TRIGGERED', { header: { accountId: 'ACC-C' } })),
    ]);
    expect(emitted.map((e) => e.delivery.position.offset)).toEqual([2]);
    expect(failures).toBe(-1);
    expect(metrics.undeliverable).toBe(1);
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
