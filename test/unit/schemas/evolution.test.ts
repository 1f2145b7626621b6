// Schema evolution through the serde: records written with an older or newer schema are read
// through writer→reader resolution once `prepare` has fetched the writer, and after that the
// per-record path never calls the registry.

import { describe, expect, it } from 'vitest';
import type { AvroSchemaJson } from '../../../schemas/avro-type.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { createAvroSerde } from '../../../schemas/serde.js';

const PRICE = { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 8 };
const v1: AvroSchemaJson = {
  type: 'record',
  name: 'Quote',
  namespace: 'com.trademaster.test',
  fields: [
    { name: 'symbol', type: 'string' },
    { name: 'bid', type: PRICE },
  ],
};
const v2: AvroSchemaJson = {
  ...(v1 as object),
  type: 'record',
  fields: [
    { name: 'symbol', type: 'string' },
    { name: 'bid', type: PRICE },
    { name: 'venue', type: 'string', default: 'CONSOLIDATED' },
    { name: 'ask', type: ['null', PRICE], default: null },
  ],
};
const ctx = { topic: 'quotes', partition: 1, offset: 10 };

describe('serde schema evolution', () => {
  it('new reader reads old records with defaults; old reader reads new records without the new fields', async () => {
    const registry = new InMemorySchemaRegistry();
    const oldSerde = await createAvroSerde<{ symbol: string; bid: string }>(registry, {
      topic: 'quotes',
      schema: v1,
    });
    const newSerde = await createAvroSerde<{
      symbol: string;
      bid: string;
      venue: string;
      ask: string | null;
    }>(registry, { topic: 'quotes', schema: v2 });
    expect(newSerde.schemaId).not.toBe(oldSerde.schemaId);
    expect((await registry.getLatest('quotes-value')).version).toBe(2);

    const oldBytes = oldSerde.serialize({ symbol: 'AAPL', bid: '189.26000000' }, ctx);
    const newBytes = newSerde.serialize(
      { symbol: 'MSFT', bid: '415.10000000', venue: 'XNAS', ask: '415.12000000' },
      ctx,
    );

    expect(newSerde.isPrepared(oldBytes)).toBe(false);
    expect(() => newSerde.deserialize(oldBytes, ctx)).toThrow(/not cached yet/);
    await newSerde.prepare(oldBytes, ctx);
    expect(newSerde.deserialize(oldBytes, ctx)).toEqual({
      symbol: 'AAPL',
      bid: '189.26000000',
      venue: 'CONSOLIDATED',
      ask: null,
    });

    await oldSerde.prepare(newBytes, ctx);
    expect(oldSerde.deserialize(newBytes, ctx)).toEqual({ symbol: 'MSFT', bid: '415.10000000' });
  });

  it('fetches each writer schema once, however many records and concurrent prepares', async () => {
    const registry = new InMemorySchemaRegistry();
    const writer = await createAvroSerde<{ symbol: string; bid: string }>(registry, {
      topic: 'quotes',
      schema: v1,
    });
    const reader = await createAvroSerde<{ symbol: string }>(registry, { topic: 'quotes', schema: v2 });
    const records = Array.from({ length: 500 }, (_, i) =>
      writer.serialize({ symbol: `S${i}`, bid: '1.00000000' }, ctx),
    );
    const before = registry.calls.get('getSchemaById') ?? 0;
    await Promise.all(records.slice(0, 50).map((r) => reader.prepare(r)));
    const symbols = records.map((r) => reader.deserialize(r, ctx).symbol);
    expect(symbols[499]).toBe('S499');
    expect((registry.calls.get('getSchemaById') ?? 0) - before).toBe(1);
    for (const r of records) await reader.prepare(r);
    expect((registry.calls.get('getSchemaById') ?? 0) - before).toBe(1);
  });

  it('a writer the reader cannot resolve is a SERDE_DECODE that explains why, cached', async () => {
    const registry = new InMemorySchemaRegistry({ defaultCompatibility: 'NONE' });
    const writer = await createAvroSerde<{ symbol: string }>(registry, {
      topic: 'quotes',
      schema: {
        type: 'record',
        name: 'Quote',
        namespace: 'com.trademaster.test',
        fields: [{ name: 'symbol', type: 'string' }],
      },
    });
    const reader = await createAvroSerde(registry, { topic: 'quotes', schema: v1 });
    const bytes = writer.serialize({ symbol: 'AAPL' }, ctx);
    await reader.prepare(bytes, ctx);
    expect(() => reader.deserialize(bytes, ctx)).toThrow(
      expect.objectContaining({
        code: 'SERDE_DECODE',
        message: expect.stringContaining("field 'bid' was added without a default"),
      }),
    );
    const calls = registry.calls.get('getSchemaById');
    await reader.prepare(bytes, ctx);
    expect(registry.calls.get('getSchemaById')).toBe(calls);
  });

  it('autoRegister: false uses an already registered schema and refuses an unregistered one', async () => {
    const registry = new InMemorySchemaRegistry();
    const registered = await createAvroSerde(registry, { topic: 'quotes', schema: v1 });
    const lookedUp = await createAvroSerde(registry, { topic: 'quotes', schema: v1, autoRegister: false });
    expect(lookedUp.schemaId).toBe(registered.schemaId);
    await expect(
      createAvroSerde(registry, { topic: 'quotes', schema: v2, autoRegister: false }),
    ).rejects.toMatchObject({
      code: 'SCHEMA_NOT_FOUND',
      message: expect.stringContaining("not registered under subject 'quotes-value'"),
    });
  });

  it('subject strategies name subjects the Confluent way', async () => {
    const registry = new InMemorySchemaRegistry();
    const byTopic = await createAvroSerde(registry, { topic: 'quotes', schema: v1 });
    const byRecord = await createAvroSerde(registry, {
      topic: 'quotes',
      schema: v1,
      subjectStrategy: 'record',
    });
    const byBoth = await createAvroSerde(registry, {
      topic: 'quotes',
      schema: v1,
      subjectStrategy: 'topic-record',
    });
    const key = await createAvroSerde(registry, { topic: 'quotes', schema: 'string', isKey: true });
    expect([byTopic.subject, byRecord.subject, byBoth.subject, key.subject]).toEqual([
      'quotes-value',
      'com.trademaster.test.Quote',
      'quotes-com.trademaster.test.Quote',
      'quotes-key',
    ]);
    await expect(
      createAvroSerde(registry, { topic: 'q', schema: 'string', subjectStrategy: 'record' }),
    ).rejects.toThrow(/need a named record/);
  });
});
