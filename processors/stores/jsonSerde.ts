// JSON bytes for store changelogs (and simple topics): the default store serde. Plain JSON loses
// two things Avro-decoded events carry — `bigint` (Avro long as bigint) and `Buffer` (bytes,
// decimals) — so both are tagged on the way out and revived on the way in.

import { SerdeError } from '../../core/errors.js';
import type { RecordContext, Serde } from '../../core/record.js';

const BIGINT_TAG = '$bigint';
const BYTES_TAG = '$bytes';

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (typeof raw === 'bigint') return { [BIGINT_TAG]: raw.toString() };
  if (Buffer.isBuffer(raw)) return { [BYTES_TAG]: raw.toString('base64') };
  if (raw instanceof Uint8Array) return { [BYTES_TAG]: Buffer.from(raw).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const tagged = value as Record<string, unknown>;
    const keys = Object.keys(tagged);
    if (keys.length === 1) {
      if (typeof tagged[BIGINT_TAG] === 'string') return BigInt(tagged[BIGINT_TAG]);
      if (typeof tagged[BYTES_TAG] === 'string') return Buffer.from(tagged[BYTES_TAG], 'base64');
    }
  }
  return value;
}

/**
 * A serde writing UTF-8 JSON, keeping `bigint` and `Buffer` values intact across a round trip.
 * `undefined` fields disappear, as in JSON.
 *
 * @example
 * const serde = jsonSerde<{ qty: bigint }>();
 * serde.deserialize(serde.serialize({ qty: 5n }, { topic: 't' }), { topic: 't' }); // { qty: 5n }
 */
export function jsonSerde<T>(name = 'json'): Serde<T> {
  return {
    name,
    serialize(value: T, ctx: RecordContext): Buffer {
      try {
        return Buffer.from(JSON.stringify(value, replacer) ?? 'null', 'utf8');
      } catch (cause) {
        throw new SerdeError('SERDE_ENCODE', `cannot encode value as JSON: ${String(cause)}`, {
          cause,
          context: { topic: ctx.topic },
        });
      }
    },
    deserialize(bytes: Buffer, ctx: RecordContext): T {
      try {
        return JSON.parse(bytes.toString('utf8'), reviver) as T;
      } catch (cause) {
        throw new SerdeError('SERDE_DECODE', `bytes are not JSON: ${String(cause)}`, {
          cause,
          context: { topic: ctx.topic, partition: ctx.partition, offset: ctx.offset },
        });
      }
    },
  };
}
