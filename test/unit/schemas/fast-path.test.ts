// The serde's per-record fast path (issue 15): the body is decoded in place at offset 5 of the
// framed bytes (no slice, so the bytes may be a view into a larger consumer buffer), through the
// cached resolver when the writer differs; values are encoded into one module-wide scratch buffer
// and copied out at their exact size, so an output handed to a transport that keeps it (the
// in-process broker stores the Buffer) is never overwritten by the next encode.

import { describe, expect, it } from 'vitest';
import type { AvroSchemaJson } from '../../../schemas/avro-type.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';
import { createAvroSerde, familySerde } from '../../../schemas/serde.js';

const ctx = { topic: 'tm.market-data', partition: 0, offset: 3 };

/** `bytes` copied into the middle of a bigger buffer, as a view with junk on both sides. */
function embedded(bytes: Buffer, junk = 0xab): Buffer {
  const big = Buffer.alloc(bytes.length + 64, junk);
  bytes.copy(big, 31);
  return big.subarray(31, 31 + bytes.length);
}

describe('Avro fast path: decode at offset 5', () => {
  it('decodes a record that is a view into a larger buffer, reading only its own bytes', async () => {
    const serde = await familySerde(new InMemorySchemaRegistry(), 'MarketDataEvent');
    const event = sampleEvent('PRICE_UPDATE');
    const view = embedded(serde.serialize(event, ctx));
    expect(view.byteOffset).toBeGreaterThan(0);
    expect(serde.deserialize(view, ctx)).toEqual(event);
    // The bytes after the view are not part of the record: one byte more is a trailing-bytes error.
    const longer = Buffer.from(view.buffer, view.byteOffset, view.length + 1);
    expect(() => serde.deserialize(longer, ctx)).toThrow(/trailing bytes/);
  });

  it('reads an older writer through the cached resolver, also from a view', async () => {
    const v1: AvroSchemaJson = {
      type: 'record',
      name: 'Tick',
      namespace: 'com.trademaster.test',
      fields: [{ name: 'symbol', type: 'string' }],
    };
    const v2: AvroSchemaJson = {
      type: 'record',
      name: 'Tick',
      namespace: 'com.trademaster.test',
      fields: [
        { name: 'symbol', type: 'string' },
        { name: 'venue', type: 'string', default: 'XNAS' },
      ],
    };
    const registry = new InMemorySchemaRegistry();
    const writer = await createAvroSerde<{ symbol: string }>(registry, { topic: 'ticks', schema: v1 });
    const reader = await createAvroSerde<{ symbol: string; venue: string }>(registry, {
      topic: 'ticks',
      schema: v2,
    });
    expect(writer.schemaId).not.toBe(reader.schemaId);
    const first = embedded(writer.serialize({ symbol: 'AAPL' }, ctx));
    await reader.prepare(first, ctx);
    expect(reader.deserialize(first, ctx)).toEqual({ symbol: 'AAPL', venue: 'XNAS' });
    // Later records of that writer decode without another prepare (the resolver is cached).
    const second = embedded(writer.serialize({ symbol: 'MSFT' }, ctx), 0x00);
    expect(reader.isPrepared(second)).toBe(true);
    expect(reader.deserialize(second, ctx)).toEqual({ symbol: 'MSFT', venue: 'XNAS' });
  });
});

describe('Avro fast path: encode through the scratch buffer', () => {
  it('outputs kept by the caller are not overwritten by later encodes, across serdes', async () => {
    const registry = new InMemorySchemaRegistry();
    const market = await familySerde(registry, 'MarketDataEvent');
    const orders = await familySerde(registry, 'OrderEvent');
    const kept: { bytes: Buffer; copy: Buffer; event: unknown; market: boolean }[] = [];
    for (let i = 0; i < 200; i++) {
      const isMarket = i % 3 !== 0;
      const event = isMarket
        ? sampleEvent('PRICE_UPDATE', { payload: { venue: `V${i}` } })
        : sampleEvent('ORDER_FILLED', { payload: { orderId: `order-${i}-${'z'.repeat(i)}` } });
      const bytes = (isMarket ? market : orders).serialize(event as never, ctx);
      kept.push({ bytes, copy: Buffer.from(bytes), event, market: isMarket });
    }
    for (const { bytes, copy, event, market: isMarket } of kept) {
      expect(bytes.equals(copy)).toBe(true);
      expect((isMarket ? market : orders).deserialize(bytes, ctx)).toEqual(event);
    }
    // Each output owns exactly its bytes: no two outputs overlap in memory.
    const ranges = kept
      .filter((k) => k.bytes.buffer === kept[0]!.bytes.buffer)
      .map((k) => [k.bytes.byteOffset, k.bytes.byteOffset + k.bytes.length] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  });

  it('a value larger than the scratch buffer grows it without corrupting outputs before or after', async () => {
    const serde = await familySerde(new InMemorySchemaRegistry(), 'SystemEvent');
    const sys = { topic: 'tm.system' };
    const before = sampleEvent('SERVICE_HEALTH_CHECK');
    const beforeBytes = serde.serialize(before, sys);
    const beforeCopy = Buffer.from(beforeBytes);

    const services = Array.from({ length: 3000 }, (_, i) => `service-${i}-${'y'.repeat(30)}`);
    const big = sampleEvent('MAINTENANCE_NOTICE', { payload: { affectedServices: services } });
    const bigBytes = serde.serialize(big, sys);
    expect(bigBytes.length).toBeGreaterThan(64 * 1024);
    const bigCopy = Buffer.from(bigBytes);

    const after = sampleEvent('SERVICE_HEALTH_CHECK', { payload: { instanceId: 'after-growth' } });
    const afterBytes = serde.serialize(after, sys);

    expect(beforeBytes.equals(beforeCopy)).toBe(true);
    expect(bigBytes.equals(bigCopy)).toBe(true);
    expect(bigBytes.readUInt32BE(1)).toBe(serde.schemaId);
    expect(afterBytes.length).toBeLessThan(1024);
    expect(serde.deserialize(beforeBytes, sys)).toEqual(before);
    expect(serde.deserialize(bigBytes, sys)).toEqual(big);
    expect(serde.deserialize(afterBytes, sys)).toEqual(after);
  });

  it('an encode that fails midway leaves the next encode and earlier outputs intact', async () => {
    const serde = await familySerde(new InMemorySchemaRegistry(), 'MarketDataEvent');
    const good = sampleEvent('PRICE_UPDATE');
    const earlier = serde.serialize(good, ctx);
    const earlierCopy = Buffer.from(earlier);
    const bad = sampleEvent('PRICE_UPDATE', { payload: { venue: 42 as unknown as string } });
    expect(() => serde.serialize(bad, ctx)).toThrow(expect.objectContaining({ code: 'SERDE_ENCODE' }));
    const next = serde.serialize(good, ctx);
    expect(next.equals(earlierCopy)).toBe(true);
    expect(earlier.equals(earlierCopy)).toBe(true);
  });
});
