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
  if (typeof value !== 'string') return `expected a decimal string, got ${typeof value}`;
  const m = DECIMAL_PATTERN.exec(value);
  if (!m) return `'${value}' is not a plain decimal number (digits, optional '-' and '.')`;
  const fraction = m[3] ?? '';
  if (fraction.length > scale) {
    return `'${value}' has ${fraction.length} fraction digits but the scale is ${scale} (would lose precision)`;
  }
  // The unscaled integer has the significant integer digits plus `scale` fraction digits.
  const integerDigits = (m[2] ?? '').replace(/^0+/, '').length;
  if (integerDigits + scale > precision) {
    return `'${value}' has ${integerDigits} integer digits but decimal(${precision},${scale}) allows ${precision - scale}`;
  }
  return undefined;
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

/** Encodes a decimal string for Avro (validate with `decimalProblem` first). */
export function encodeDecimal(value: DecimalString, scale: number): Buffer {
  return twosComplementBytes(unscaledOf(value, scale));
}

/** Decodes Avro decimal bytes to the canonical string at `scale`. */
export function decodeDecimal(bytes: Buffer, scale: number): DecimalString {
  return decimalFromUnscaled(fromTwosComplement(bytes), scale);
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
