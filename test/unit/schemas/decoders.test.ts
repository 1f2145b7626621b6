// The generic decoder (any schema id, for the gateway and dead-letter tools) and the multi-family
// event serde (priority-lane topics).

import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, laneTopic } from '../../../schemas/catalog.js';
import { createEventSerde } from '../../../schemas/event-serde.js';
import { isEvent, partitionKeyOf } from '../../../schemas/events.js';
import { createGenericAvroDecoder } from '../../../schemas/generic-decoder.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';
import { createAvroSerde, familySerde } from '../../../schemas/serde.js';

const lane = laneTopic('CRITICAL');
const ctx = { topic: lane, partition: 2, offset: 99 };

describe('createEventSerde (several families on one topic)', () => {
  it('round-trips every event type and registers one subject per family (TopicRecordNameStrategy)', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = await createEventSerde(registry, { topic: lane });
    for (const type of EVENT_TYPES) {
      const event = sampleEvent(type);
      const bytes = serde.serialize(event, ctx);
      expect(serde.isPrepared(bytes)).toBe(true);
      expect(serde.deserialize(bytes, ctx)).toEqual(event);
    }
    expect(await registry.listSubjects()).toContain(`${lane}-com.trademaster.events.risk.RiskEvent`);
    expect(Object.keys(serde.schemaIds)).toHaveLength(7);
  });

  it('refuses families the topic does not carry and non-catalog records', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = await createEventSerde(registry, { topic: lane, families: ['RiskEvent'] });
    expect(() => serde.serialize(sampleEvent('ORDER_FILLED'), ctx)).toThrow(
      /OrderEvent is not carried by tm.lane.critical/,
    );
    expect(() => serde.serialize({ header: { eventType: 'NOPE' } } as never, ctx)).toThrow(
      expect.objectContaining({ code: 'SERDE_ENCODE' }),
    );
    const other = await createAvroSerde<string>(registry, { topic: 'misc', schema: 'string' });
    const bytes = other.serialize('hello', { topic: 'misc' });
    await serde.prepare(bytes, ctx);
    expect(() => serde.deserialize(bytes, ctx)).toThrow(
      expect.objectContaining({ code: 'SERDE_DECODE', context: expect.objectContaining({ offset: 99 }) }),
    );
  });
});

describe('createGenericAvroDecoder', () => {
  it('decodes catalog records as typed family events and others by their writer schema', async () => {
    const registry = new InMemorySchemaRegistry();
    const orders = await familySerde(registry, 'OrderEvent');
    const misc = await createAvroSerde<{ n: number }>(registry, {
      topic: 'misc',
      schema: { type: 'record', name: 'Misc', fields: [{ name: 'n', type: 'long' }] },
    });
    const decoder = createGenericAvroDecoder(registry);
    const fill = sampleEvent('ORDER_FILLED');
    const a = orders.serialize(fill, ctx);
    const b = misc.serialize({ n: 5 }, ctx);
    expect(decoder.isPrepared(a)).toBe(false);
    await Promise.all([decoder.prepare(a), decoder.prepare(b)]);

    const decoded = decoder.deserialize(a, ctx);
    expect(decoded).toMatchObject({
      schemaId: orders.schemaId,
      recordName: 'com.trademaster.events.order.OrderEvent',
      family: 'OrderEvent',
    });
    if (decoded.family !== 'OrderEvent' || !isEvent(decoded.value, 'ORDER_FILLED'))
      throw new Error('not narrowed');
    expect(decoded.value.payload.fillPrice).toBe(fill.payload.fillPrice);
    expect(partitionKeyOf(decoded.value)).toBe('AAPL');
    expect(decoder.deserialize(b, ctx)).toEqual({
      schemaId: misc.schemaId,
      recordName: 'Misc',
      family: undefined,
      value: { n: 5 },
    });
  });

  it('falls back to the writer schema when a newer producer added an event type', async () => {
    const registry = new InMemorySchemaRegistry();
    const { FAMILY_SCHEMAS } = await import('../../../schemas/generated/avro-schemas.js');
    const newer = structuredClone(FAMILY_SCHEMAS.AgentEvent) as unknown as {
      fields: [
        { type: { fields: Array<{ name: string; type: { symbols: string[] } }> } },
        { type: object[] },
      ];
    };
    newer.fields[0].type.fields.find((f) => f.name === 'eventType')!.type.symbols.push('AGENT_RETIRED');
    newer.fields[1].type.push({
      type: 'record',
      name: 'AgentRetired',
      fields: [{ name: 'reason', type: 'string' }],
    });
    const writer = await createAvroSerde<unknown>(registry, { topic: 'tm.agents', schema: newer as never });
    const bytes = writer.serialize(
      {
        header: { ...sampleEvent('AGENT_STATUS_CHANGE').header, eventType: 'AGENT_RETIRED' },
        payload: { 'com.trademaster.events.agent.AgentRetired': { reason: 'strategy sunset' } },
      },
      ctx,
    );
    const decoder = createGenericAvroDecoder(registry);
    await decoder.prepare(bytes, ctx);
    const decoded = decoder.deserialize(bytes, ctx);
    expect(decoded.family).toBeUndefined();
    expect(decoded.recordName).toBe('com.trademaster.events.agent.AgentEvent');
  });
});
