// One Kafka record as one JSON object, the line format of `tmbus tail`: position, Kafka timestamp,
// key and headers as text where they are text, and the value decoded through the schema registry.
// Bytes that are not valid UTF-8 come out as `{ "base64": … }` so nothing is silently mangled, and
// values JSON cannot hold exactly (bigint longs, raw bytes, NaN) are turned into strings or base64
// rather than rounded or dropped. A record that cannot be decoded still yields a line: its error
// code and message, and the raw value in base64.

import { errorMessage, isBusError } from '../../core/errors.js';
import type { GenericAvroDecoder } from '../../schemas/index.js';
import type { RawRecord } from './range-reader.js';

/** Bytes that are not valid UTF-8, as base64. */
export interface Base64Bytes {
  base64: string;
}

/** A text or binary value of a key or header. */
export type BytesJson = string | Base64Bytes;

/** The JSON form of one record. */
export interface RecordJson {
  topic: string;
  partition: number;
  offset: number;
  /** Kafka record timestamp, ISO-8601 UTC. */
  timestamp: string;
  key: BytesJson | null;
  headers: Record<string, BytesJson>;
  /** Writer schema id of the value, when it was decoded. */
  schemaId?: number;
  /** Decoded value (catalog events as `{ header, payload }`); `null` for a tombstone. */
  value?: unknown;
  /** Why the value could not be decoded. */
  error?: { code: string; message: string };
  /** The undecodable value's bytes. */
  rawValue?: Base64Bytes;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as a string when they are valid UTF-8, else `{ base64 }`. */
export function bytesJson(bytes: Buffer): BytesJson {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return { base64: bytes.toString('base64') };
  }
}

/**
 * A decoded Avro value made JSON-safe: bigints become decimal strings, bytes become `{ base64 }`,
 * non-finite floats become `"NaN"` / `"Infinity"`; everything else is copied as is.
 */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value !== 'object') return value;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return { base64: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(jsonSafe);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
  return out;
}

/**
 * Decodes `record` with `decoder` (fetching an unknown writer schema first) into its JSON form.
 * Never throws for a bad value: the failure is reported in `error` with the raw bytes.
 *
 * @example
 * const line = await recordJson(record, createGenericAvroDecoder(registry));
 * process.stdout.write(`${JSON.stringify(line)}\n`);
 */
export async function recordJson(record: RawRecord, decoder: GenericAvroDecoder): Promise<RecordJson> {
  const headers: Record<string, BytesJson> = {};
  for (const [name, value] of Object.entries(record.headers)) headers[name] = bytesJson(value);
  const base: RecordJson = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    key: record.key === null ? null : bytesJson(record.key),
    headers,
  };
  if (record.value === null) return { ...base, value: null };
  const ctx = { topic: record.topic, partition: record.partition, offset: record.offset };
  try {
    if (!decoder.isPrepared(record.value)) await decoder.prepare(record.value, ctx);
    const decoded = decoder.deserialize(record.value, ctx);
    return { ...base, schemaId: decoded.schemaId, value: jsonSafe(decoded.value) };
  } catch (e) {
    return {
      ...base,
      error: { code: isBusError(e) ? e.code : 'SERDE_DECODE', message: errorMessage(e) },
      rawValue: { base64: record.value.toString('base64') },
    };
  }
}
