// SPEC §6: every way a record can be bad gives a typed SerdeError with its code, the record's
// topic/partition/offset and a message that says what is wrong — never a crash, never undefined.

import { beforeAll, describe, expect, it } from 'vitest';
import { isBusError, SerdeError } from '../../../core/errors.js';
import type { OrderEvent } from '../../../schemas/generated/types.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';
import { type AvroSerde, createAvroSerde, familySerde } from '../../../schemas/serde.js';

const ctx = { topic: 'tm.orders', partition: 3, offset: 1234 };

function errorOf(fn: () => unknown): SerdeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SerdeError);
    return e as SerdeError;
  }
  throw new Error('expected a SerdeError, nothing was thrown');
}

async function rejectionOf(p: Promise<unknown>): Promise<SerdeError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SerdeError);
    return e as SerdeError;
  }
  throw new Error('expected a SerdeError rejection');
}

function expectLocated(e: SerdeError): void {
  expect(e.context).toMatchObject({ topic: 'tm.orders', partition: 3, offset: 1234 });
  expect(e.message).toContain('topic tm.orders[3]@1234');
}

describe('bad input → SerdeError', () => {
  let registry: InMemorySchemaRegistry;
  let serde: AvroSerde<OrderEvent>;
  let valid: Buffer;

  beforeAll(async () => {
    registry = new InMemorySchemaRegistry({ firstId: 7 });
    serde = await familySerde(registry, 'OrderEvent', { maxBytes: 4096 });
    valid = serde.serialize(sampleEvent('ORDER_FILLED'), ctx);
  });

  it('SERDE_MAGIC_BYTE: first byte is not 0, and JSON is recognised', () => {
    const e = errorOf(() => serde.deserialize(Buffer.from('{"orderId":"ORD-1"}'), ctx));
    expect(e.code).toBe('SERDE_MAGIC_BYTE');
    expect(e.retriable).toBe(false);
    expect(e.message).toMatch(/magic byte is 123 .*looks like JSON/);
    expectLocated(e);
  });

  it('SERDE_TRUNCATED: empty record, short header, body cut short', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0, 0, 0]), valid.subarray(0, valid.length - 3)]) {
      const e = errorOf(() => serde.deserialize(bytes, ctx));
      expect(e.code).toBe('SERDE_TRUNCATED');
      expectLocated(e);
    }
  });

  it('SERDE_UNKNOWN_SCHEMA: sync deserialize is retriable until prepare fetches the id', async () => {
    const other = await createAvroSerde<{ n: number }>(registry, {
      topic: 'other',
      schema: { type: 'record', name: 'Other', fields: [{ name: 'n', type: 'int' }] },
    });
    const bytes = other.serialize({ n: 1 }, { topic: 'other' });
    const e = errorOf(() => serde.deserialize(bytes, ctx));
    expect(e.code).toBe('SERDE_UNKNOWN_SCHEMA');
    expect(e.retriable).toBe(true);
    expect(e.context.schemaId).toBe(other.schemaId);
    expectLocated(e);
  });

  it('SERDE_UNKNOWN_SCHEMA: prepare of an id the registry does not have is not retriable', async () => {
    const bytes = Buffer.from(valid);
    bytes.writeUInt32BE(999_999, 1);
    expect(serde.isPrepared(bytes)).toBe(false);
    const e = await rejectionOf(serde.prepare(bytes, ctx));
    expect(e.code).toBe('SERDE_UNKNOWN_SCHEMA');
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('schema id 999999 does not exist');
    expectLocated(e);
  });

  it('SERDE_DECODE: trailing bytes after a valid body', () => {
    const e = errorOf(() => serde.deserialize(Buffer.concat([valid, Buffer.from([1, 2])]), ctx));
    expect(e.code).toBe('SERDE_DECODE');
    expect(e.message).toContain('2 trailing bytes');
    expectLocated(e);
  });

  it('SERDE_DECODE: garbage body (eventId is not a UUID)', () => {
    // The body starts with eventId: a 36-char string (length byte 72 = zigzag 36); break a dash.
    const bytes = Buffer.from(valid);
    expect(bytes[5]).toBe(72);
    bytes[5 + 1 + 8] = 'x'.charCodeAt(0);
    const e = errorOf(() => serde.deserialize(bytes, ctx));
    expect(e.code).toBe('SERDE_DECODE');
    expect(e.message).toMatch(/is not a UUID/);
    expectLocated(e);
  });

  it('SERDE_DECODE: an enum index out of range', async () => {
    const tiny = await createAvroSerde<{ side: string }>(registry, {
      topic: 'tm.orders',
      subjectStrategy: 'topic-record',
      schema: {
        type: 'record',
        name: 'SideOnly',
        fields: [{ name: 'side', type: { type: 'enum', name: 'S', symbols: ['BUY', 'SELL'] } }],
      },
    });
    const bytes = Buffer.from([0, 0, 0, 0, 0, 20]);
    bytes.writeUInt32BE(tiny.schemaId, 1);
    const e = errorOf(() => tiny.deserialize(bytes, ctx));
    expect(e.code).toBe('SERDE_DECODE');
    expectLocated(e);
  });

  it('SERDE_OVERSIZE: records past maxBytes are refused before decoding, on read and on write', () => {
    const big = Buffer.concat([valid, Buffer.alloc(5000)]);
    const e = errorOf(() => serde.deserialize(big, ctx));
    expect(e.code).toBe('SERDE_OVERSIZE');
    expect(e.message).toContain('exceeds the limit of 4096');
    expectLocated(e);
    const huge = sampleEvent('ORDER_CANCELLED_SYSTEM', { payload: { reason: 'x'.repeat(5000) } });
    expect(errorOf(() => serde.serialize(huge, ctx)).code).toBe('SERDE_OVERSIZE');
  });

  it('SERDE_DECODE: a null value (tombstone) is reported, not dereferenced', () => {
    const e = errorOf(() => serde.deserialize(null as unknown as Buffer, ctx));
    expect(e.code).toBe('SERDE_DECODE');
    expect(e.message).toContain('tombstone');
  });

  describe('SERDE_ENCODE names the bad field', () => {
    it('an invalid decimal', () => {
      const bad = sampleEvent('ORDER_FILLED', { payload: { fillPrice: '189.123456789' } });
      const e = errorOf(() => serde.serialize(bad, ctx));
      expect(e.code).toBe('SERDE_ENCODE');
      expect(e.context.field).toBe('payload.fillPrice');
      expect(e.message).toContain('payload.fillPrice: expected decimal(18,8) string');
      expect(e.message).toContain('would lose precision');
      expectLocated(e);
    });

    it('a missing field, a wrong enum symbol and a bad UUID, all at once', () => {
      const bad = sampleEvent('ORDER_PLACED', {
        header: { eventId: 'not-a-uuid' },
        payload: { side: 'HOLD' as 'BUY' },
      });
      delete (bad.payload as Partial<typeof bad.payload>).venue;
      const e = errorOf(() => serde.serialize(bad, ctx));
      expect(e.code).toBe('SERDE_ENCODE');
      expect(e.message).toContain('header.eventId: expected UUID string');
      expect(e.message).toContain('payload.side: expected one of BUY|SELL, got "HOLD"');
      expect(e.message).toContain('payload.venue: expected string, got undefined');
    });

    it('an event type of another family', () => {
      const e = errorOf(() => serde.serialize(sampleEvent('MARGIN_CALL') as unknown as OrderEvent, ctx));
      expect(e.code).toBe('SERDE_ENCODE');
      expect(e.message).toContain('header.eventType: "MARGIN_CALL" is not a OrderEvent type');
    });

    it('not an object at all', () => {
      for (const v of [null, 42, 'x', { payload: {} }]) {
        const e = errorOf(() => serde.serialize(v as unknown as OrderEvent, ctx));
        expect(isBusError(e) && e.code).toBe('SERDE_ENCODE');
      }
    });
  });
});
