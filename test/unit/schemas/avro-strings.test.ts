// The short-ASCII fast path of avsc's string writer (schemas/avro-strings.ts) writes exactly the
// bytes avsc's own method writes, for every kind of string, and is the one avsc uses.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { avscWriteString } from '../../../schemas/avro-strings.js';
import { avroTypeOf } from '../../../schemas/avro-type.js';

const TAP = createRequire(import.meta.url)('avsc/lib/utils').Tap as { prototype: { writeString: Function } };

describe('the short ASCII string writer', () => {
  const type = avroTypeOf({
    type: 'record',
    name: 'S',
    fields: [
      { name: 'a', type: 'string' },
      { name: 'b', type: { type: 'map', values: 'string' } },
    ],
  });

  /** The same value written with avsc's own writeString, swapped in for the call. */
  function stock(value: unknown): Buffer {
    const proto = TAP.prototype;
    const fast = proto.writeString;
    proto.writeString = avscWriteString;
    try {
      return type.toBuffer(value);
    } finally {
      proto.writeString = fast;
    }
  }

  it('is the writer avsc uses', () => {
    expect(TAP.prototype.writeString).not.toBe(avscWriteString);
    expect(TAP.prototype.writeString.name).toBe('writeString');
  });

  const cases = [
    '',
    'x',
    'PRICE_UPDATE',
    '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    'a'.repeat(63),
    'a'.repeat(64),
    'a'.repeat(65),
    'a'.repeat(300),
    'é',
    `${'a'.repeat(62)}é`,
    `${'a'.repeat(10)}\u007f`,
    `${'a'.repeat(10)}\u0080`,
    'emoji 😀 pair',
    '\u0000nul',
    '漢字',
  ];

  it.each(cases)('writes %j as avsc does, and reads it back', (s) => {
    const value = { a: s, b: { [s]: s, k: `${s}!` } };
    const fast = type.toBuffer(value);
    expect(fast.equals(stock(value))).toBe(true);
    expect(type.fromBuffer(fast)).toEqual(value);
  });

  it('reports a buffer too small as avsc does (missing bytes), so the caller can grow it', () => {
    const small = Buffer.alloc(4);
    const end = avroTypeOf('string').encode('abcdefgh', small, 0);
    expect(end).toBeLessThan(0);
    const big = Buffer.alloc(-end + 4);
    expect(avroTypeOf('string').encode('abcdefgh', big, 0)).toBe(9);
    expect(big.subarray(0, 9)).toEqual(Buffer.from([16, ...Buffer.from('abcdefgh')]));
  });
});
