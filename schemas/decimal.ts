// Exact decimals for prices, quantities and amounts. On the wire they are Avro `decimal` logical
// values (two's-complement big-endian unscaled integer in `bytes`, with precision and scale in the
// schema); in TypeScript they are canonical strings such as "101.25000000" with exactly `scale`
// fraction digits. Strings, not numbers, because binary floating point cannot hold 0.1 exactly and
// a price that changes on a round trip is a bug; strings also travel through JSON (gateway) as is.

/**
 * A decimal as the bus hands it to user code: optional minus sign, integer digits, and exactly
 * `scale` fraction digits (none when the scale is 0), e.g. `"-12.50"` for scale 2.
 */
export type DecimalString = string;

const DECIMAL_PATTERN = /^(-)?(\d+)(?:\.(\d+))?$/;

/** Why a string cannot be stored in a decimal of the given precision and scale, or undefined if it can. */
export function decimalProblem(value: unknown, precision: number, scale: number): string | undefined {
  const parsed = parseDecimal(value, precision, scale);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** The Avro bytes of a decimal string, or undefined when it does not fit decimal(precision, scale). */
export function tryEncodeDecimal(value: unknown, precision: number, scale: number): Buffer | undefined {
  const parsed = parseDecimal(value, precision, scale);
  return typeof parsed === 'string' ? undefined : unscaledBytes(parsed.negative, parsed.digits);
}

interface ParsedDecimal {
  negative: boolean;
  /** Digits of the unscaled integer (integer part then `scale` fraction digits). */
  digits: string;
}

/** Parses and validates once: the encoder calls this for every decimal field it writes. */
function parseDecimal(value: unknown, precision: number, scale: number): ParsedDecimal | string {
  if (typeof value !== 'string') return `expected a decimal string, got ${typeof value}`;
  const m = DECIMAL_PATTERN.exec(value);
  if (!m) return `'${value}' is not a plain decimal number (digits, optional '-' and '.')`;
  const integer = m[2]!;
  const fraction = m[3] ?? '';
  if (fraction.length > scale) {
    return `'${value}' has ${fraction.length} fraction digits but the scale is ${scale} (would lose precision)`;
  }
  // The unscaled integer has the significant integer digits plus `scale` fraction digits.
  let zeros = 0;
  while (zeros < integer.length && integer.charCodeAt(zeros) === 48) zeros++;
  const integerDigits = integer.length - zeros;
  if (integerDigits + scale > precision) {
    return `'${value}' has ${integerDigits} integer digits but decimal(${precision},${scale}) allows ${precision - scale}`;
  }
  const digits = fraction.length === scale ? integer + fraction : integer + fraction.padEnd(scale, '0');
  return { negative: m[1] !== undefined, digits };
}

/** Unscaled integer of a decimal string (validated by `decimalProblem` first). */
export function unscaledOf(value: DecimalString, scale: number): bigint {
  const m = DECIMAL_PATTERN.exec(value);
  if (!m) throw new RangeError(`'${value}' is not a decimal`);
  const fraction = (m[3] ?? '').padEnd(scale, '0');
  const unscaled = BigInt((m[2] ?? '0') + fraction);
  return m[1] ? -unscaled : unscaled;
}

/** Canonical string of an unscaled integer at a scale: exactly `scale` fraction digits. */
export function decimalFromUnscaled(unscaled: bigint, scale: number): DecimalString {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const sign = negative ? '-' : '';
  if (scale === 0) return sign + digits;
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Minimal two's-complement big-endian bytes of a signed integer (Avro `decimal` on `bytes`). */
export function twosComplementBytes(n: bigint): Buffer {
  if (n === 0n) return Buffer.alloc(1);
  let hex: string;
  if (n > 0n) {
    hex = n.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    // A set top bit would read back as negative: add a sign byte.
    if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  } else {
    let bytes = 1;
    while (n < -(1n << BigInt(bytes * 8 - 1))) bytes++;
    hex = ((1n << BigInt(bytes * 8)) + n).toString(16).padStart(bytes * 2, '0');
  }
  return Buffer.from(hex, 'hex');
}

/** Signed integer of two's-complement big-endian bytes; an empty buffer is 0. */
export function fromTwosComplement(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  // Up to 6 bytes fits a double exactly: skip BigInt parsing of hex for the common small case.
  if (bytes.length <= 6) return BigInt(bytes.readIntBE(0, bytes.length));
  const n = BigInt(`0x${bytes.toString('hex')}`);
  return bytes[0]! & 0x80 ? n - (1n << BigInt(bytes.length * 8)) : n;
}

/**
 * Integers up to ±2^47 fit the 6 bytes `Buffer.readIntBE`/`writeIntBE` handle, and doubles hold them
 * exactly: prices, quantities and amounts of real trades almost always do, so encode and decode
 * them without BigInt (3-4x faster); anything larger takes the BigInt path.
 */
const SMALL_LIMIT = 2 ** 47;

/** Encodes a decimal string for Avro; throws a RangeError if it is not a decimal at `scale`. */
export function encodeDecimal(value: DecimalString, scale: number): Buffer {
  const parsed = parseDecimal(value, Number.POSITIVE_INFINITY, scale);
  if (typeof parsed === 'string') throw new RangeError(parsed);
  return unscaledBytes(parsed.negative, parsed.digits);
}

function unscaledBytes(negative: boolean, digits: string): Buffer {
  if (digits.length <= 15) {
    const n = negative ? -Number(digits) : Number(digits);
    if (n < SMALL_LIMIT && n >= -SMALL_LIMIT) return smallTwosComplement(n);
  }
  const unscaled = BigInt(digits);
  return twosComplementBytes(negative ? -unscaled : unscaled);
}

/** Decodes Avro decimal bytes to the canonical string at `scale`. */
export function decodeDecimal(bytes: Buffer, scale: number): DecimalString {
  if (bytes.length === 0 || bytes.length > 6) return decimalFromUnscaled(fromTwosComplement(bytes), scale);
  const n = bytes.readIntBE(0, bytes.length);
  const sign = n < 0 ? '-' : '';
  let digits = String(n < 0 ? -n : n);
  if (scale === 0) return sign + digits;
  if (digits.length <= scale) digits = digits.padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** Minimal two's-complement bytes of an integer with |n| < 2^47. */
function smallTwosComplement(n: number): Buffer {
  let bytes = 1;
  // Smallest width whose signed range holds n.
  while (n >= 2 ** (bytes * 8 - 1) || n < -(2 ** (bytes * 8 - 1))) bytes++;
  const out = Buffer.allocUnsafe(bytes);
  out.writeIntBE(n, 0, bytes);
  return out;
}

/**
 * The canonical decimal string of a number, bigint or decimal string at `scale`, e.g.
 * `toDecimal(189.25, 8)` → `"189.25000000"`. Numbers are rounded to `scale` digits (they are
 * binary approximations anyway); strings with more fraction digits than `scale` are refused.
 */
export function toDecimal(value: number | bigint | string, scale: number): DecimalString {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
    return canonical(value.toFixed(scale), scale);
  }
  if (typeof value === 'bigint') return decimalFromUnscaled(value * 10n ** BigInt(scale), scale);
  return canonical(value, scale);
}

function canonical(value: string, scale: number): DecimalString {
  const m = DECIMAL_PATTERN.exec(value);
  if (!m || (m[3] ?? '').length > scale)
    throw new RangeError(`'${value}' is not a decimal with at most ${scale} fraction digits`);
  return decimalFromUnscaled(unscaledOf(value, scale), scale);
}
