// A faster way for avsc to write short text. avsc's `Tap.writeString` asks `Buffer.byteLength` (a
// call into C++) for every string before writing it, then copies it character by character; on
// the benchmark's burst that was ~3.7% of the runtime's main thread for the eight or so strings of
// an event (ids, types, symbols). A string of fewer than 64 characters that turns out to be ASCII
// has as many bytes as characters, and its length fits one varint byte, so it is written in one
// pass with no call out; anything else (longer, or any character past 0x7f) goes to avsc's own
// method from the start. The bytes are identical either way (test/unit/schemas/avro-strings.test.ts).
//
// avsc 5.x keeps `Tap` in lib/utils; this installs once, for every avsc Type in the process.

import { createRequire } from 'node:module';

interface TapLike {
  buf: Buffer;
  pos: number;
  writeString(s: string): void;
}

const { Tap } = createRequire(import.meta.url)('avsc/lib/utils') as {
  Tap: { prototype: TapLike & { __tmbusAsciiStrings?: true } };
};

/** avsc's own `writeString` (what the fast path falls back to). */
export const avscWriteString: (this: TapLike, s: string) => void = Tap.prototype.__tmbusAsciiStrings
  ? (Tap.prototype as unknown as { __tmbusSlowWriteString: (this: TapLike, s: string) => void })
      .__tmbusSlowWriteString
  : Tap.prototype.writeString;

function writeString(this: TapLike, s: string): void {
  const n = s.length;
  const buf = this.buf;
  let pos = this.pos;
  // One varint byte holds a zigzag length up to 63; a buffer too small is avsc's case to report.
  if (n > 63 || pos + 1 + n > buf.length) {
    avscWriteString.call(this, s);
    return;
  }
  buf[pos++] = n << 1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) {
      avscWriteString.call(this, s); // nothing committed: this.pos unchanged
      return;
    }
    buf[pos++] = c;
  }
  this.pos = pos;
}

if (!Tap.prototype.__tmbusAsciiStrings) {
  Object.assign(Tap.prototype, {
    __tmbusAsciiStrings: true,
    __tmbusSlowWriteString: Tap.prototype.writeString,
    writeString,
  });
}
