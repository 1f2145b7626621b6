// `transform`: converts an event from one service's schema into another's (format
// transformation, SPEC §4.1). Unlike `mapValues` it sees the whole record (timestamp, headers)
// and may drop a record by returning null or undefined — an event with no counterpart in the
// target schema.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import { type StreamRecord, withValue } from './record.js';

/** Converts one value; returns `null`/`undefined` to drop the record. */
export type Transformer<K, V, V2> = (value: V, key: K, record: StreamRecord<K, V>) => V2 | null | undefined;

/**
 * Applies a schema-to-schema transformer.
 *
 * @example
 * source$.pipe(transform('TRANSFORM-0000000004', (fill: OrderEvent) =>
 *   fill.header.eventType === 'ORDER_FILLED' ? toPositionUpdate(fill) : null))
 */
export function transform<K, V, V2>(
  stage: string,
  transformer: Transformer<K, V, V2>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V2>> {
  return operate(stage, (out) => ({
    next(record) {
      const converted = transformer(record.value, record.key, record);
      if (converted !== null && converted !== undefined) out.emit(withValue(record, converted));
    },
  }));
}
