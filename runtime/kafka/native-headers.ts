// Header values across the node-rdkafka boundary. node-rdkafka 3.6 sends every header value as a C
// string (producer.cc: Nan::Utf8String, then value.c_str()), so bytes that are not UTF-8 come out
// replaced and a NUL ends the value. Text goes as it is (the cheap, common case: a string crosses
// into C++ without the toString() callback a Buffer costs). A value that is not text is sent as
// base64 and named in the `tm-binary-headers` header; `fromNativeHeaders` turns it back into the
// original bytes, so a binary header survives the bus byte for byte. A consumer outside the bus
// sees the base64 text and the list of encoded names.

import { isUtf8 } from 'node:buffer';
import type Kafka from 'node-rdkafka';
import type { RecordHeaders } from '../../core/record.js';

/** Names (comma-separated) of the headers whose values travel base64-encoded. */
export const BINARY_HEADERS = 'tm-binary-headers';

/** Headers for node-rdkafka's produce(): text as strings, other bytes as base64 (see above). */
export function toNativeHeaders(headers: Readonly<Record<string, Buffer | string>>): Kafka.MessageHeader[] {
  const out: Kafka.MessageHeader[] = [];
  const binary: string[] = [];
  for (const key in headers) {
    if (key === BINARY_HEADERS) continue; // ours to write
    const value = headers[key]!;
    if (typeof value === 'string') {
      if (!value.includes('\0')) {
        out.push({ [key]: value });
        continue;
      }
      binary.push(key);
      out.push({ [key]: Buffer.from(value).toString('base64') });
    } else if (isUtf8(value) && !value.includes(0)) {
      out.push({ [key]: value.toString() });
    } else {
      binary.push(key);
      out.push({ [key]: value.toString('base64') });
    }
  }
  if (binary.length > 0) out.push({ [BINARY_HEADERS]: binary.join(',') });
  return out;
}

/**
 * The headers of a record read through the native addon (native-batch.ts): one object in the
 * message's header list, every value a Buffer holding the header's bytes.
 */
export class PackedHeaders {
  [name: string]: Buffer;
}

/** A consumed message's headers as Buffers, base64-encoded binary values decoded back. */
export function fromNativeHeaders(native: Kafka.MessageHeader[] | undefined): RecordHeaders {
  if (native?.length === 1) {
    const only = native[0];
    // Read through the addon and sent without base64: already what a record holds.
    if (only instanceof PackedHeaders && only[BINARY_HEADERS] === undefined) return only;
  }
  const headers: RecordHeaders = {};
  if (!native) return headers;
  let binary: string | undefined;
  for (const h of native)
    for (const k in h) {
      const v = h[k];
      const bytes = Buffer.isBuffer(v) ? v : Buffer.from(String(v));
      if (k === BINARY_HEADERS) binary = bytes.toString();
      else headers[k] = bytes;
    }
  if (binary)
    for (const k of binary.split(',')) {
      const v = headers[k];
      if (v) headers[k] = Buffer.from(v.toString(), 'base64');
    }
  return headers;
}
