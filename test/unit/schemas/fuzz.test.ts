// Property tests: whatever bytes arrive — random, random behind a valid frame header, or a valid
// record corrupted at random — the decoders either return a value or throw a SerdeError. Any other
// exception, a hang or an out-of-memory would take a consumer down, which SPEC §6 forbids.

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SerdeError } from '../../../core/errors.js';
import { EVENT_TYPES, familyOf } from '../../../schemas/catalog.js';
import { createEventSerde, type EventSerde } from '../../../schemas/event-serde.js';
import { createGenericAvroDecoder, type GenericAvroDecoder } from '../../../schemas/generic-decoder.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';
import { sampleEvent } from '../../../schemas/samples.js';
import { type AvroSerde, familySerde } from '../../../schemas/serde.js';

const ctx = { topic: 'tm.fuzz', partition: 0, offset: 1 };
type Decode = (bytes: Buffer) => unknown;

/** Decodes and asserts the only failure mode is a SerdeError carrying the record position. */
function onlySerdeErrors(decode: Decode, bytes: Buffer): void {
  try {
    const value = decode(bytes);
    expect(value).not.toBeUndefined();
  } catch (e) {
    if (!(e instanceof SerdeError))
      throw new Error(`non-SerdeError for ${bytes.toString('hex')}: ${String(e)}`, { cause: e });
    expect(e.context.topic).toBe('tm.fuzz');
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);

type Mutation = {
  kind: 'flip' | 'cut' | 'insert' | 'append';
  at?: number;
  value?: number;
  bytes?: Uint8Array;
};

function mutate(frame: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(frame);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : (m.at ?? 0) % out.length;
    if (m.kind === 'flip' && out.length > 0) out[at] = m.value!;
    if (m.kind === 'cut') out = out.subarray(0, at);
    if (m.kind === 'insert')
      out = Buffer.concat([out.subarray(0, at), Buffer.from(m.bytes!), out.subarray(at)]);
    if (m.kind === 'append') out = Buffer.concat([out, Buffer.from(m.bytes!)]);
  }
  return out;
}

describe('decoders under hostile bytes', () => {
  const registry = new InMemorySchemaRegistry();
  const frames: Buffer[] = [];
  let serdes: Map<string, AvroSerde<unknown>>;
  let generic: GenericAvroDecoder;
  let events: EventSerde;
  let ids: number[];

  beforeAll(async () => {
    serdes = new Map();
    for (const type of EVENT_TYPES) {
      const family = familyOf(type);
      if (!serdes.has(family))
        serdes.set(family, (await familySerde(registry, family)) as AvroSerde<unknown>);
      frames.push(serdes.get(family)!.serialize(sampleEvent(type), ctx));
    }
    generic = createGenericAvroDecoder(registry);
    for (const frame of frames) await generic.prepare(frame);
    events = await createEventSerde(registry, { topic: 'tm.fuzz' });
    ids = [...serdes.values()].map((s) => s.schemaId);
  });

  const decoders = (): Array<[string, Decode]> => [
    ['OrderEvent serde', (b) => serdes.get('OrderEvent')!.deserialize(b, ctx)],
    ['MarketDataEvent serde', (b) => serdes.get('MarketDataEvent')!.deserialize(b, ctx)],
    ['SystemEvent serde', (b) => serdes.get('SystemEvent')!.deserialize(b, ctx)],
    ['generic decoder', (b) => generic.deserialize(b, ctx)],
    ['event serde', (b) => events.deserialize(b, ctx)],
  ];

  it('random bytes', () => {
    for (const [, decode] of decoders()) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => onlySerdeErrors(decode, Buffer.from(raw))),
        { numRuns: 1500 },
      );
    }
  });

  it('random bodies behind a valid frame header of a known schema id', () => {
    const framed = fc.tuple(fc.constantFrom(...ids), fc.uint8Array({ maxLength: 400 })).map(([id, body]) => {
      const b = Buffer.alloc(5 + body.length);
      b.writeUInt32BE(id, 1);
      b.set(body, 5);
      return b;
    });
    for (const [, decode] of decoders()) {
      fc.assert(
        fc.property(framed, (bytes) => onlySerdeErrors(decode, bytes)),
        { numRuns: 2000 },
      );
    }
  });

  it('valid records of every type corrupted at random', () => {
    const corrupted = fc
      .tuple(fc.nat({ max: frames.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
      .map(([i, ms]) => mutate(frames[i]!, ms));
    for (const [, decode] of decoders()) {
      fc.assert(
        fc.property(corrupted, (bytes) => onlySerdeErrors(decode, bytes)),
        { numRuns: 2000 },
      );
    }
  });

  it('a block count of billions is refused at once instead of allocating (order book bids)', () => {
    // ORDER_BOOK_CHANGE header + venue + sequence + changeType, then bids with count 2^31.
    const book = frames[EVENT_TYPES.indexOf('ORDER_BOOK_CHANGE')]!;
    const decoded = serdes.get('MarketDataEvent')!.deserialize(book, ctx) as { payload: { bids: unknown[] } };
    expect(decoded.payload.bids).toHaveLength(2);
    const hostileCounts = [
      Buffer.from([0xfe, 0xff, 0xff, 0xff, 0x0f]),
      Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
    ];
    // Locate the bids count (zigzag 2 = 0x04) just before the first level's price bytes.
    const firstPrice = Buffer.from('0a', 'hex');
    const countAt = book.indexOf(Buffer.concat([Buffer.from([0x04]), firstPrice]), 60);
    expect(countAt).toBeGreaterThan(0);
    for (const count of hostileCounts) {
      const bytes = Buffer.concat([book.subarray(0, countAt), count, book.subarray(countAt + 1)]);
      const started = performance.now();
      const e = (() => {
        try {
          serdes.get('MarketDataEvent')!.deserialize(bytes, ctx);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(SerdeError);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });
});
