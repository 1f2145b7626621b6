// Every one of the 27 event types survives serialize → deserialize through the family serde
// exactly (decimals, UUIDs, timestamps, enums, nullable fields, arrays and maps included), and the
// bytes are Confluent-framed with the id the registry assigned.

import { describe, expect, it } from 'vitest';
import { CATALOG, EVENT_FAMILIES, EVENT_TYPES, familyOf } from '../../../schemas/catalog.js';
import { isEvent } from '../../../schemas/events.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';
import { familySerde } from '../../../schemas/serde.js';

describe('family serde round trip', () => {
  it('covers all 27 catalog event types', () => {
    expect(EVENT_TYPES).toHaveLength(27);
  });

  it.each(EVENT_TYPES)('%s round-trips exactly', async (type) => {
    const registry = new InMemorySchemaRegistry({ firstId: 1000 });
    const family = familyOf(type);
    const serde = await familySerde(registry, family);
    const event = sampleEvent(type);
    const ctx = { topic: CATALOG[family].topic, partition: 0, offset: 7 };

    const bytes = serde.serialize(event, ctx);
    expect(bytes[0]).toBe(0);
    expect(bytes.readUInt32BE(1)).toBe(serde.schemaId);
    expect(serde.schemaId).toBe(1000);
    const back = serde.deserialize(bytes, ctx);
    expect(back).toEqual(event);
    expect(back.header.eventType).toBe(type);
    // Encoding what we decoded gives the same bytes: nothing was lost or reinterpreted.
    expect(serde.serialize(back, ctx).equals(bytes)).toBe(true);
  });

  it('registers each family under <topic>-value and reuses the id', async () => {
    const registry = new InMemorySchemaRegistry();
    for (const family of EVENT_FAMILIES) {
      const a = await familySerde(registry, family);
      const b = await familySerde(registry, family);
      expect(a.subject).toBe(`${CATALOG[family].topic}-value`);
      expect(b.schemaId).toBe(a.schemaId);
      expect(a.name).toBe(`avro<${family}>`);
    }
    expect(await registry.listSubjects()).toHaveLength(EVENT_FAMILIES.length);
  });

  it('keeps decimals exact, including negatives, zero and the full precision', async () => {
    const serde = await familySerde(new InMemorySchemaRegistry(), 'PortfolioEvent');
    const ctx = { topic: 'tm.portfolio' };
    for (const amount of [
      '-1204.8800',
      '0.0000',
      '9999999999999999.9999',
      '-9999999999999999.9999',
      '0.0001',
    ]) {
      const event = sampleEvent('PNL_CHANGE', { payload: { dailyChange: amount } });
      const back = serde.deserialize(serde.serialize(event, ctx), ctx);
      if (!isEvent(back, 'PNL_CHANGE')) throw new Error(`decoded ${back.header.eventType}`);
      expect(back.payload.dailyChange).toBe(amount);
    }
  });

  it('encodes records larger than the 64 KiB scratch buffer', async () => {
    const serde = await familySerde(new InMemorySchemaRegistry(), 'SystemEvent');
    const ctx = { topic: 'tm.system' };
    const services = Array.from({ length: 4000 }, (_, i) => `service-${i}-${'x'.repeat(40)}`);
    const notice = sampleEvent('MAINTENANCE_NOTICE', { payload: { affectedServices: services } });
    const bytes = serde.serialize(notice, ctx);
    expect(bytes.length).toBeGreaterThan(200_000);
    expect(serde.deserialize(bytes, ctx)).toEqual(notice);
    // The next small record still encodes correctly after the buffer grew.
    const small = sampleEvent('SERVICE_HEALTH_CHECK');
    expect(serde.deserialize(serde.serialize(small, ctx), ctx)).toEqual(small);
  });

  it('a family serde refuses records of another family instead of misreading them', async () => {
    const registry = new InMemorySchemaRegistry();
    const orders = await familySerde(registry, 'OrderEvent');
    const risk = await familySerde(registry, 'RiskEvent');
    const ctx = { topic: 'tm.orders', partition: 0, offset: 1 };
    const bytes = risk.serialize(sampleEvent('MARGIN_CALL'), ctx);
    await orders.prepare(bytes, ctx);
    expect(() => orders.deserialize(bytes, ctx)).toThrow(
      expect.objectContaining({
        code: 'SERDE_DECODE',
        message: expect.stringContaining('record com.trademaster.events.risk.RiskEvent'),
      }),
    );
  });
});
