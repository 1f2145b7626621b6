// avsc logical types for the catalog's `decimal` (bytes) and `uuid` (string) fields. avsc ships
// none: without these a decimal decodes to raw two's-complement bytes and any string passes as a
// UUID. Validation lives in `_toValue` so `Type.isValid`'s error hook can name the bad field, and
// reads never throw on a short buffer (the caller reports truncation from the tap position).

import avro from 'avsc';
import { decimalProblem, decodeDecimal, tryEncodeDecimal } from './decimal.js';

/** Values remembered per decimal field and direction (see DecimalType). */
const CACHE_LIMIT = 4096;

/** Hex digits (either case) by character code, for `isUuid`. */
const HEX = new Uint8Array(128);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/**
 * 8-4-4-4-12 hex digits (either case), as /^[0-9a-f]{8}-…-[0-9a-f]{12}$/i. Runs for every uuid
 * field read or written: a table lookup per digit took half the time of the comparisons (and of
 * the regex).
 */
export function isUuid(value: string): boolean {
  if (
    value.length !== 36 ||
    value.charCodeAt(8) !== 45 ||
    value.charCodeAt(13) !== 45 ||
    value.charCodeAt(18) !== 45 ||
    value.charCodeAt(23) !== 45
  )
    return false;
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) continue;
    const c = value.charCodeAt(i);
    if (c > 127 || HEX[c] === 0) return false;
  }
  return true;
}

/** The part of avsc's (untyped) Tap the decimal fast path uses. */
interface AvscTap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  writeLong(n: number): void;
  _invalidate(): void;
}

/** avsc's own `LogicalType#_write` (avsc's typings leave the tap methods out). */
const LOGICAL_WRITE = (
  avro.types.LogicalType.prototype as unknown as { _write(tap: AvscTap, value: unknown): void }
)._write;

interface DecimalSchema {
  precision?: unknown;
  scale?: unknown;
}

/** `{"type": "bytes", "logicalType": "decimal", "precision": p, "scale": s}` ⇄ `"123.4500"`. */
export class DecimalType extends avro.types.LogicalType {
  readonly precision: number;
  readonly scale: number;

  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    const { precision, scale = 0 } = schema as DecimalSchema;
    if (!Number.isInteger(precision) || (precision as number) < 1) {
      throw new Error(`decimal precision must be a positive integer, got ${JSON.stringify(precision)}`);
    }
    if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) {
      throw new Error(`decimal scale must be an integer in [0, precision], got ${JSON.stringify(scale)}`);
    }
    if (this.underlyingType.typeName !== 'bytes') {
      throw new Error('the bus supports decimal on bytes only (fixed-backed decimals are not used)');
    }
    this.precision = precision as number;
    this.scale = scale as number;
  }

  // Prices, quantities and amounts repeat (ticks, lot sizes): the last few thousand of each field
  // are kept both ways, so a value decoded and written again costs two map lookups, not a parse,
  // a string build and an allocation. Bounded: cleared when full.
  private readonly decoded = new Map<number, string>();
  private readonly encoded = new Map<string, Buffer>();

  protected override _fromValue(bytes: Buffer | undefined): string | undefined {
    // undefined = the tap ran past the end; the decoder reports that as truncation.
    return bytes === undefined ? undefined : this.decodeAt(bytes, 0, bytes.length);
  }

  /** The decimal in `buf[pos, pos + len)`, through the cache when it fits 6 bytes. */
  private decodeAt(buf: Buffer, pos: number, len: number): string {
    if (len === 0 || len > 6) return decodeDecimal(buf.subarray(pos, pos + len), this.scale);
    const unscaled = buf.readIntBE(pos, len);
    let value = this.decoded.get(unscaled);
    if (value === undefined) {
      value = decodeDecimal(buf.subarray(pos, pos + len), this.scale);
      if (this.decoded.size >= CACHE_LIMIT) this.decoded.clear();
      this.decoded.set(unscaled, value);
    }
    return value;
  }

  protected override _toValue(value: unknown): Buffer | undefined {
    // Called for every decimal written, and by isValid to find the bad field: undefined = invalid.
    // The bytes are only ever copied into the encoder's buffer, so one copy may serve every write.
    if (typeof value !== 'string') return undefined;
    let bytes = this.encoded.get(value);
    if (bytes === undefined) {
      bytes = tryEncodeDecimal(value, this.precision, this.scale);
      if (bytes === undefined) return undefined;
      if (this.encoded.size >= CACHE_LIMIT) this.encoded.clear();
      this.encoded.set(value, bytes);
    }
    return bytes;
  }

  // The hot path, without avsc's Buffer per value: `BytesType` copies every decimal's bytes into a
  // pooled Buffer before `_fromValue` sees them, and copies them again on write. Both read and
  // write the same Avro `bytes` encoding (zig-zag length, then the bytes) straight from and into
  // the tap's buffer; a short or negative length leaves the tap invalid, as avsc's own reads do.
  protected _read(tap: AvscTap): string | undefined {
    const len = tap.readLong();
    if (len < 0) {
      tap._invalidate();
      return undefined;
    }
    const pos = tap.pos;
    tap.pos += len;
    return tap.pos > tap.buf.length ? undefined : this.decodeAt(tap.buf, pos, len);
  }

  protected _write(tap: AvscTap, value: unknown): void {
    const bytes = this._toValue(value);
    if (bytes === undefined) {
      LOGICAL_WRITE.call(this, tap, value); // throws avsc's invalid-value error, as before
      return;
    }
    const len = bytes.length;
    tap.writeLong(len);
    const pos = tap.pos;
    tap.pos += len;
    if (tap.pos > tap.buf.length) return; // avsc grows the buffer and writes again
    for (let i = 0; i < len; i++) tap.buf[pos + i] = bytes[i]!;
  }

  // avsc hands the resolver what the *writer* type read: a decimal writer already produced the
  // canonical string, a plain bytes writer produced raw bytes.
  protected override _resolve(writer: avro.Type): ((value: never) => string | undefined) | undefined {
    if (writer instanceof DecimalType) {
      // Same scale: the unscaled integer means the same number.
      return writer.scale === this.scale && writer.precision <= this.precision
        ? (value: string) => value
        : undefined;
    }
    if (writer.typeName === 'bytes') return (bytes: Buffer) => this._fromValue(bytes);
    return undefined;
  }

  protected override _export(schema: avro.Schema): void {
    Object.assign(schema, { precision: this.precision, scale: this.scale });
  }
}

/** `{"type": "string", "logicalType": "uuid"}`: a string that must be an RFC 4122 UUID. */
export class UuidType extends avro.types.LogicalType {
  protected override _fromValue(value: string | undefined): string | undefined {
    if (value !== undefined && !isUuid(value)) {
      throw new Error(`'${value.slice(0, 40)}' is not a UUID`);
    }
    return value;
  }

  protected override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && isUuid(value) ? value : undefined;
  }

  protected override _resolve(writer: avro.Type): ((value: string) => string | undefined) | undefined {
    if (writer instanceof UuidType) return (value) => value; // already checked by the writer type
    if (writer.typeName === 'string') return (value) => this._fromValue(value);
    return undefined;
  }
}

/** Why a decimal field value is invalid, for encode error messages. */
export function logicalTypeProblem(type: avro.Type, value: unknown): string | undefined {
  if (type instanceof DecimalType) return decimalProblem(value, type.precision, type.scale);
  if (type instanceof UuidType)
    return typeof value === 'string' ? `'${value}' is not a UUID` : 'expected a UUID string';
  return undefined;
}

/** The logical types every avsc Type of the bus is built with. */
export const LOGICAL_TYPES = { decimal: DecimalType, uuid: UuidType } as const;
