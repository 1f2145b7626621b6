// Exact decimals: the Avro `decimal` encoding (two's-complement big-endian unscaled integer, as
// Java's BigInteger.toByteArray writes it) and the canonical strings user code sees.

import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decimalProblem,
  decodeDecimal,
  encodeDecimal,
  fromTwosComplement,
  toDecimal,
  twosComplementBytes,
} from '../../../schemas/decimal.js';
import { LOGICAL_TYPES } from '../../../schemas/logical-types.js';

describe('decimal', () => {
  it('encodes integers like Java BigInteger.toByteArray', () => {
    const vectors: Array<[bigint, string]> = [
      [0n, '00'],
      [1n, '01'],
      [127n, '7f'],
      [128n, '0080'],
      [255n, '00ff'],
      [256n, '0100'],
      [-1n, 'ff'],
      [-128n, '80'],
      [-129n, 'ff7f'],
      [-32768n, '8000'],
      [-32769n, 'ff7fff'],
      [18_926_000_000n, '046813d780'], // 189.26 at scale 8
    ];
    for (const [n, hex] of vectors) {
      expect(twosComplementBytes(n).toString('hex'), String(n)).toBe(hex);
      expect(fromTwosComplement(Buffer.from(hex, 'hex'))).toBe(n);
    }
    expect(fromTwosComplement(Buffer.alloc(0))).toBe(0n);
  });

  it('round-trips any unscaled integer at any scale exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }),
        fc.integer({ min: 0, max: 12 }),
        (unscaled, scale) => {
          const bytes = twosComplementBytes(unscaled);
          expect(fromTwosComplement(bytes)).toBe(unscaled);
          const text = decodeDecimal(bytes, scale);
          expect(encodeDecimal(text, scale).equals(bytes)).toBe(true);
          expect(decodeDecimal(encodeDecimal(text, scale), scale)).toBe(text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('formats canonically with exactly scale fraction digits', () => {
    expect(decodeDecimal(encodeDecimal('189.25', 8), 8)).toBe('189.25000000');
    expect(decodeDecimal(encodeDecimal('-0.5', 4), 4)).toBe('-0.5000');
    expect(decodeDecimal(encodeDecimal('42', 0), 0)).toBe('42');
    expect(toDecimal(189.25, 8)).toBe('189.25000000');
    expect(toDecimal(0.1 + 0.2, 4)).toBe('0.3000');
    expect(toDecimal(5n, 2)).toBe('5.00');
    expect(() => toDecimal('1.234', 2)).toThrow(RangeError);
    expect(() => toDecimal(Number.NaN, 2)).toThrow(RangeError);
  });

  it('explains why a value does not fit decimal(p, s)', () => {
    expect(decimalProblem('123.45', 18, 8)).toBeUndefined();
    expect(decimalProblem('0.00000001', 18, 8)).toBeUndefined();
    expect(decimalProblem('1234567890.12345678', 18, 8)).toBeUndefined();
    expect(decimalProblem('12345678901', 18, 8)).toMatch(/11 integer digits but decimal\(18,8\) allows 10/);
    expect(decimalProblem('1.123456789', 18, 8)).toMatch(/would lose precision/);
    expect(decimalProblem('1e5', 18, 8)).toMatch(/not a plain decimal/);
    expect(decimalProblem(1.5, 18, 8)).toMatch(/expected a decimal string, got number/);
  });
});

describe('decimal fields of an Avro type (DecimalType, with its value caches)', () => {
  // Values are remembered per field both ways (4,096 of each, then cleared): every read and
  // write, cached or not and across the clears, must equal the uncached encoding.
  const type = avro.Type.forSchema(
    { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 8 } as avro.Schema,
    { logicalTypes: LOGICAL_TYPES },
  );

  it('writes and reads every value like the plain encoding, repeated and past the cache size', () => {
    const values: string[] = [];
    for (let i = 0; i < 10_000; i++) values.push(toDecimal(((i * 7919) % 9000) / 100 - 45, 8));
    for (const pass of [1, 2])
      for (const v of values) {
        const bytes = type.toBuffer(v);
        expect(bytes.subarray(1).equals(encodeDecimal(v, 8)), `${v} pass ${pass}`).toBe(true);
        expect(type.fromBuffer(bytes)).toBe(v);
      }
  });

  it('reads and writes the tap directly: long values, buffers avsc must grow, truncated and negative lengths', () => {
    // Past 6 bytes (no cache), zero, and negatives, each like the plain encoding.
    for (const v of [
      '9999999999.99999999',
      '-9999999999.99999999',
      '0.00000000',
      '-0.00000001',
      '1.00000000',
    ]) {
      const bytes = type.toBuffer(v);
      expect(bytes.subarray(1).equals(encodeDecimal(v, 8)), v).toBe(true);
      expect(type.fromBuffer(bytes)).toBe(v);
    }
    // Thousands of decimals in one value: avsc's scratch buffer overflows and it writes again.
    const many = avro.Type.forSchema(
      {
        type: 'array',
        items: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 8 },
      } as avro.Schema,
      { logicalTypes: LOGICAL_TYPES },
    );
    const values = Array.from({ length: 5_000 }, (_, i) => toDecimal(i * 1234567.891, 8));
    expect(many.fromBuffer(many.toBuffer(values))).toEqual(values);
    // Cut short inside the bytes, or a negative length: refused, never read past the end.
    const whole = type.toBuffer('12345.67800000');
    expect(() => type.fromBuffer(whole.subarray(0, whole.length - 1))).toThrow(/truncated/);
    expect(() => type.fromBuffer(Buffer.from([0x01]))).toThrow(/truncated/); // length -1
    expect(type.decode(whole.subarray(0, 3)).offset).toBe(-1);
  });

  it('still refuses what does not fit, however often it is asked', () => {
    for (let i = 0; i < 3; i++) {
      expect(type.isValid('1.123456789')).toBe(false); // 9 fraction digits at scale 8
      expect(type.isValid('12345678901.5')).toBe(false); // 11 integer digits, decimal(18,8) allows 10
      expect(type.isValid(1.5)).toBe(false);
      expect(type.isValid('1.5')).toBe(true);
    }
  });
});
