// Binary database keys that sort, byte by byte, in the order the store contracts promise: by the
// serialized record key, then by timestamps. LMDB compares keys with memcmp, so a range scan over
// these keys comes back ordered without any sort in JavaScript.
//
// A record key is escaped (0x00 → 0x00 0xFF) and terminated by 0x00 0x01: a key that is a prefix of
// another then sorts first, exactly as the raw bytes compare, and nothing after the terminator can
// make two different keys interleave (a plain length prefix would order by length instead).
// Timestamps are written as 8 big-endian bytes with the sign bit flipped, so negative times sort
// before positive ones.

const TWO_32 = 0x1_0000_0000;
const SIGN = 0x8000_0000;

/** Escapes `keyBytes` into `out` at `offset` and appends the terminator; returns the new offset. */
function writeEscaped(keyBytes: Uint8Array, out: Buffer, offset: number): number {
  let o = offset;
  for (let i = 0; i < keyBytes.length; i++) {
    const b = keyBytes[i] as number;
    out[o++] = b;
    if (b === 0) out[o++] = 0xff;
  }
  out[o++] = 0;
  out[o++] = 1;
  return o;
}

function escapedLength(keyBytes: Uint8Array): number {
  let n = keyBytes.length + 2;
  for (let i = 0; i < keyBytes.length; i++) if (keyBytes[i] === 0) n++;
  return n;
}

/** Writes an epoch-ms time as 8 order-preserving bytes; ±Infinity clamp to the safe range (bounds). */
export function writeTime(out: Buffer, offset: number, at: number): void {
  const time = Math.min(Math.max(at, Number.MIN_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
  const hi = Math.floor(time / TWO_32);
  out.writeUInt32BE((hi + SIGN) >>> 0, offset);
  out.writeUInt32BE(time - hi * TWO_32, offset + 4);
}

/** Reads a time written by `writeTime`. */
export function readTime(bytes: Uint8Array, offset: number): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (view.readUInt32BE(offset) - SIGN) * TWO_32 + view.readUInt32BE(offset + 4);
}

/** `escape(keyBytes)` followed by each time, then an optional 4-byte sequence number. */
export function encodeTimedKey(keyBytes: Uint8Array, times: readonly number[], seq?: number): Buffer {
  const out = Buffer.allocUnsafe(escapedLength(keyBytes) + 8 * times.length + (seq === undefined ? 0 : 4));
  let o = writeEscaped(keyBytes, out, 0);
  for (const t of times) {
    writeTime(out, o, t);
    o += 8;
  }
  if (seq !== undefined) out.writeUInt32BE(seq, o);
  return out;
}

/** The escaped key and its terminator alone: every timed key of `keyBytes` starts with it. */
export function encodeKeyPrefix(keyBytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(escapedLength(keyBytes));
  writeEscaped(keyBytes, out, 0);
  return out;
}

/** Splits a key made by `encodeTimedKey` back into the raw key bytes, `count` times and the seq. */
export function decodeTimedKey(
  bytes: Uint8Array,
  count: number,
): { keyBytes: Buffer; times: number[]; seq: number | undefined } {
  const raw = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  let i = 0;
  for (;;) {
    if (i >= bytes.length) throw new Error('not an ordered store key: no key terminator');
    const b = bytes[i++] as number;
    if (b !== 0) {
      raw[n++] = b;
      continue;
    }
    if (bytes[i++] === 1) break;
    raw[n++] = 0;
  }
  const times: number[] = [];
  for (let t = 0; t < count; t++) times.push(readTime(bytes, i + 8 * t));
  const seqAt = i + 8 * count;
  const seq =
    bytes.length >= seqAt + 4
      ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(seqAt)
      : undefined;
  return { keyBytes: raw.subarray(0, n), times, seq };
}
