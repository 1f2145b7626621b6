// The shapes every layer agrees on: a record as read from or written to a topic, its headers,
// and the serde contract that turns values into bytes and back.

/** Kafka headers as the bus handles them: one value per name (last one wins on read). */
export type RecordHeaders = Record<string, Buffer>;

/**
 * Headers of a record to be written. A text value may be a string: the producer hands strings to
 * librdkafka as they are, so text headers made per record (event ids) cost no Buffer on the hot
 * path; binary values stay Buffers. Read back, every value is a Buffer (`RecordHeaders`).
 */
export type OutgoingHeaders = Record<string, Buffer | string>;

/** Where a record sits (or will sit) in Kafka. Serdes and errors carry it for context. */
export interface RecordContext {
  topic: string;
  partition?: number;
  offset?: number;
}

/** A record as the runtime and the test driver hand it to a topology. */
export interface KafkaRecord<K = unknown, V = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: K;
  value: V;
  /** Create time, epoch ms. */
  timestamp: number;
  headers: RecordHeaders;
}

/** A record a topology (or a service) wants written. Partition chosen by the partitioner if absent. */
export interface OutgoingRecord<K = unknown, V = unknown> {
  topic: string;
  key: K;
  value: V;
  partition?: number;
  timestamp?: number;
  headers?: OutgoingHeaders;
}

/** Turns a value into bytes. Throws `SerdeError` (code `SERDE_ENCODE`) on a value it cannot encode. */
export interface Serializer<T> {
  serialize(value: T, ctx: RecordContext): Buffer;
}

/** Turns bytes into a value. Throws `SerdeError` with the record context on bad bytes. Synchronous. */
export interface Deserializer<T> {
  deserialize(bytes: Buffer, ctx: RecordContext): T;
}

/** A named pair of serializer and deserializer for one value type. */
export interface Serde<T> extends Serializer<T>, Deserializer<T> {
  /** Shown in `describe()` and errors, e.g. `avro<OrderEvent>` or `string`. */
  readonly name: string;
}
