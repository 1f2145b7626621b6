// Serdes for topics that are not Avro-typed: strings (keys), JSON (early tests, internal topics,
// stores) and windowed keys (the result of a windowed aggregation). Avro event serdes come from
// schemas/ (`familySerde`, `createAvroSerde`).

import { SerdeError } from '../core/errors.js';
import type { RecordContext, Serde } from '../core/record.js';
import { jsonSerde } from '../processors/stores/jsonSerde.js';
import type { Windowed } from '../processors/stores/types.js';

/** UTF-8 strings, the usual record key. */
export function stringSerde(): Serde<string> {
  return {
    name: 'string',
    serialize: (value) => Buffer.from(value, 'utf8'),
    deserialize: (bytes) => bytes.toString('utf8'),
  };
}

/**
 * A windowed key: the inner key's bytes, then the window start and end as 8-byte big-endian
 * integers (so a consumer can split it without knowing the window size).
 *
 * @example
 * counts.toStream().to('tm.volume-1m', { key: windowedSerde(stringSerde()), value: jsonSerde() });
 */
export function windowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return {
    name: `windowed<${inner.name}>`,
    serialize(value: Windowed<K>, ctx: RecordContext): Buffer {
      const keyBytes = inner.serialize(value.key, ctx);
      const out = Buffer.alloc(keyBytes.length + 16);
      keyBytes.copy(out, 0);
      out.writeBigInt64BE(BigInt(value.window.start), keyBytes.length);
      out.writeBigInt64BE(BigInt(value.window.end), keyBytes.length + 8);
      return out;
    },
    deserialize(bytes: Buffer, ctx: RecordContext): Windowed<K> {
      if (bytes.length < 16) {
        throw new SerdeError('SERDE_TRUNCATED', `windowed key of ${bytes.length} bytes is shorter than 16`, {
          context: { topic: ctx.topic, partition: ctx.partition, offset: ctx.offset },
        });
      }
      const at = bytes.length - 16;
      return {
        key: inner.deserialize(bytes.subarray(0, at), ctx),
        window: { start: Number(bytes.readBigInt64BE(at)), end: Number(bytes.readBigInt64BE(at + 8)) },
      };
    },
  };
}

/**
 * The serdes a topology needs besides Avro.
 *
 * @example
 * builder.stream('tm.audit', { key: Serdes.string(), value: Serdes.json<AuditEntry>() });
 */
export const Serdes = {
  string: stringSerde,
  json: jsonSerde,
  windowed: windowedSerde,
} as const;

export { jsonSerde };
