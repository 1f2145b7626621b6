// Decoding lane records: the real Avro path (schemas' serde and generic decoder over the in-memory
// registry), preparing an unknown writer schema once, and JSON-safety of what reaches clients.
import { describe, expect, it } from 'vitest';
import { SerdeError } from '../../../core/errors.js';
import { avroEventDecoder, decodeEvent, type EventDecoder, jsonSafe } from '../../../gateway/decoder.js';
import { createEventSerde } from '../../../schemas/event-serde.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';

describe('lane record decoding', () => {
  it('decodes Confluent-framed Avro written by the lane serde, fetching the writer schema once', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = await createEventSerde(registry, { topic: 'tm.lane.critical' });
    const event = sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-7' } });
    const bytes = serde.serialize(event, { topic: 'tm.lane.critical' });
    const decoder = avroEventDecoder(registry);
    let prepared = 0;
    const counting: EventDecoder = {
      deserialize: decoder.deserialize,
      prepare: (b) => {
        prepared++;
        return decoder.prepare!(b);
      },
    };
    const first = await decodeEvent(counting, bytes, { topic: 'tm.lane.critical', partition: 0, offset: 1 });
    const second = await decodeEvent(counting, bytes, { topic: 'tm.lane.critical', partition: 0, offset: 2 });
    expect(prepared).toBe(1);
    expect(first.header).toMatchObject({
      eventType: 'MARGIN_CALL',
      priority: 'CRITICAL',
      accountId: 'ACC-7',
    });
    expect(first.payload.deficit).toMatch(/^\d+\.\d+$/);
    expect(JSON.parse(JSON.stringify(second))).toEqual(JSON.parse(JSON.stringify(event)));
  });

  it('refuses bytes that are not framed Avro with a located SerdeError', async () => {
    const decoder = avroEventDecoder(new InMemorySchemaRegistry());
    await expect(
      decodeEvent(decoder, Buffer.from('{"json":true}'), { topic: 't', partition: 3, offset: 9 }),
    ).rejects.toBeInstanceOf(SerdeError);
  });

  it('makes values JSON-safe without copying plain ones', () => {
    const plain = { a: 1, b: ['x', { c: true }] };
    expect(jsonSafe(plain)).toBe(plain);
    expect(jsonSafe({ n: 10n, buf: Buffer.from('hi'), at: new Date(5), m: new Map([['k', 1]]) })).toEqual({
      n: '10',
      buf: 'aGk=',
      at: 5,
      m: { k: 1 },
    });
    expect(jsonSafe([1, 2n])).toEqual([1, '2']);
  });
});
