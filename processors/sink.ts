// `sink`: the last stage before Kafka. Picks the topic (fixed, or per record for lane routing),
// serializes key and value with the sink's serdes and emits raw outgoing records. A serializer
// failure keeps its `SERDE_ENCODE` code and gains the sink's name as its stage.
//
// Headers belong to the output (STYLE practice 13): a catalog event leaves with the envelope
// headers of its own value — a RISK_LIMIT_BREACH raised by a fill must not travel as the fill's
// ORDER_FILLED / HIGH, or lane schedulers and header filters downstream act on the wrong event —
// and any other value sheds the envelope headers it inherited. Trace context and user headers
// travel on unchanged. The exception is a repartition topic, where a non-event value is the same
// record mid-topology: it keeps what it inherited, so the sub-topology reading it back schedules
// the work on its cause's lane (`tm-priority`) instead of the default one.

import type { OperatorFunction } from 'rxjs';
import type { OutgoingRecord, Serde } from '../core/record.js';
import { envelopeOf, withEnvelopeHeaders, withoutEnvelopeHeaders } from '../schemas/envelope-headers.js';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';

/** Picks the topic of a record, e.g. its priority lane. */
export type TopicExtractor<K, V> = (value: V, key: K, record: StreamRecord<K, V>) => string;

export interface SinkOptions<K, V> {
  readonly topic: string | TopicExtractor<K, V>;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  /**
   * Whether a value that is not a catalog event keeps the envelope headers its record inherited
   * (repartition topics: read back by the same application, scheduled by the inherited priority).
   * A catalog event always gets its own.
   * @default false
   */
  readonly keepInheritedEnvelope?: boolean;
  /** Drops records with a null key (repartition topics: they could not be grouped). @default false */
  readonly dropNullKeys?: boolean;
}

/**
 * Serializes records for `topic`. Null keys and values become null bytes (a null value is a
 * tombstone); the partition is left to the runner's murmur2 partitioner. A catalog event value is
 * written with its own `tm-*` envelope headers (type, catalog priority, ids); any other value
 * without the envelope headers its record inherited.
 *
 * @example
 * source$.pipe(sink('SINK-0000000009', { topic: 'tm.lane.high', keySerde, valueSerde }))
 */
export function sink<K, V>(
  stage: string,
  options: SinkOptions<K, V>,
): OperatorFunction<StreamRecord<K, V>, OutgoingRecord<Buffer | null, Buffer | null>> {
  const { topic, keySerde, valueSerde, keepInheritedEnvelope = false, dropNullKeys = false } = options;
  return operate(stage, (out) => ({
    next(record) {
      if (dropNullKeys && (record.key === null || record.key === undefined)) return;
      const name = typeof topic === 'string' ? topic : topic(record.value, record.key, record);
      const ctx = { topic: name };
      const envelope = envelopeOf(record.value);
      const headers = envelope
        ? withEnvelopeHeaders(envelope, record.headers)
        : keepInheritedEnvelope
          ? record.headers
          : withoutEnvelopeHeaders(record.headers);
      out.emit({
        topic: name,
        key: record.key === null || record.key === undefined ? null : keySerde.serialize(record.key, ctx),
        value:
          record.value === null || record.value === undefined
            ? null
            : valueSerde.serialize(record.value, ctx),
        timestamp: record.timestamp,
        headers,
      });
    },
  }));
}
