// How the gateway turns lane-topic bytes into catalog events. The decoder is injected (the Avro
// generic decoder from schemas/ in production, anything with the same two methods in tests), and
// this module adds what the gateway needs around it: fetch an unknown writer schema once and retry,
// and make the value JSON-safe once per event rather than once per socket.

import { isBusError, SerdeError } from '../core/errors.js';
import type { RecordContext } from '../core/record.js';
import { createGenericAvroDecoder } from '../schemas/generic-decoder.js';
import type { SchemaRegistry } from '../schemas/registry.js';
import type { WireEvent } from './client/protocol.js';

/**
 * The decoding contract, shaped like `createGenericAvroDecoder(registry)` from schemas/: a sync
 * `deserialize` for known writer schemas and an async `prepare` that fetches unknown ones.
 */
export interface EventDecoder {
  deserialize(bytes: Buffer, ctx: RecordContext): unknown;
  prepare?(bytes: Buffer): Promise<unknown>;
}

/**
 * The production decoder: Confluent-framed Avro of any catalog family, read through the family's
 * current schema (writer schemas fetched from the registry on first sight). Records of schemas
 * outside the catalog are refused, so they are counted as undeliverable instead of reaching clients.
 */
export function avroEventDecoder(registry: SchemaRegistry): EventDecoder {
  const generic = createGenericAvroDecoder(registry, { name: 'avro<gateway-lane>' });
  return {
    deserialize(bytes, ctx) {
      const decoded = generic.deserialize(bytes, ctx);
      if (decoded.family === undefined) {
        throw new SerdeError('SERDE_DECODE', `schema id ${decoded.schemaId} is not a catalog event family`, {
          context: { ...ctx, schemaId: decoded.schemaId },
        });
      }
      return decoded.value;
    },
    prepare: (bytes) => generic.prepare(bytes),
  };
}

/**
 * The wire event of `bytes` when it decodes at once (its writer schema is known), otherwise
 * undefined — then `decodeEvent` fetches the schema or reports why it cannot. The fan-out's hot
 * path: no promise per record.
 */
export function decodeEventNow(
  decoder: EventDecoder,
  bytes: Buffer,
  ctx: RecordContext,
): WireEvent | undefined {
  try {
    return jsonSafe(decoder.deserialize(bytes, ctx)) as WireEvent;
  } catch {
    return undefined;
  }
}

/** Decodes one record, preparing (fetching the writer schema) once when the decoder asks for it. */
export async function decodeEvent(
  decoder: EventDecoder,
  bytes: Buffer,
  ctx: RecordContext,
): Promise<WireEvent> {
  let value: unknown;
  try {
    value = decoder.deserialize(bytes, ctx);
  } catch (e) {
    if (
      !decoder.prepare ||
      (isBusError(e) && e.code !== 'SERDE_UNKNOWN_SCHEMA' && e.code !== 'SCHEMA_NOT_FOUND')
    )
      throw e;
    await decoder.prepare(bytes);
    value = decoder.deserialize(bytes, ctx);
  }
  return jsonSafe(value) as WireEvent;
}

/**
 * A copy of `value` that survives JSON: bigint → string, Buffer/Uint8Array → base64, Date → epoch
 * ms, Map → object. Plain values are returned as they are (no copy) to keep the hot path cheap.
 */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return value ?? null;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return null;
  }
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (value instanceof Date) return value.getTime();
  if (value instanceof Map) return jsonSafe(Object.fromEntries(value));
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = jsonSafe(value[i]);
      if (v !== value[i] && !out) out = value.slice(0, i);
      out?.push(v);
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    const safe = jsonSafe(v);
    if (safe !== v && !out) out = Object.fromEntries(entries.slice(0, i));
    if (out) out[k] = safe;
  }
  // Class instances (avsc records) serialise through their own fields: no copy needed.
  return out ?? value;
}
