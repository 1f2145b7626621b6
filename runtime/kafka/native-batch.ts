// The bus's native fast path across the node-rdkafka boundary (native/kafka_batch.cc): records go
// to librdkafka a batch per call, and consumed records come back packed in one Buffer per batch,
// instead of one crossing and one set of V8 objects per record. It works on node-rdkafka's own
// client handles, so configuration, rebalances, commits, transactions and error reports stay
// node-rdkafka's.
//
// The addon is built at install (`npm ci` runs scripts/build-native.mjs). Without it — a failed
// build, or TMBUS_NATIVE_BATCH=0 to compare — the bus uses node-rdkafka's per-record calls.
// `nativeBatchStatus()` says which path is in use and why. This file loads the addon and holds the
// consume side; the produce side (ProduceBatch, BatchedProduce) is native-produce.ts.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Kafka from 'node-rdkafka';
import type { KafkaRecord, RecordHeaders } from '../../core/record.js';
import { BINARY_HEADERS, fromNativeHeaders, PackedHeaders } from './native-headers.js';

export interface PackedBatch {
  count: number;
  topics: string[];
  names: string[];
  /** Keys, values and header values of every record. */
  data: Buffer;
  /** Per record: topic index, partition, key offset, key length (-1: null), value offset, value length, first header, header count. */
  meta: Int32Array;
  /** Per header: name index, value offset, value length (-1: null). */
  headers: Int32Array;
  /** Per record: offset, timestamp. */
  positions: Float64Array;
}

/**
 * A producer's delivery reports and errors as the addon serves them (`producerReports`): delivered
 * records counted per tag (flat: tag, count, tag, count, ...), one entry per record not delivered,
 * one per client error, and whether more wait to be served.
 */
export type ProducerReports = [
  counts: number[],
  /** `id` for a record that carried one (its tag is -1). */
  failures: [tag: number, code: number, message: string, topic: string, partition: number, id?: number][],
  errors: [code: number, message: string, fatal: boolean][],
  more: boolean,
  /** [id, partition, offset, …] of delivered records that carried an id. */
  positions: Float64Array | undefined,
];

/** What the addon hands over for a batch: one Buffer (see `packed`) and its name tables. */
type NativeBatch = [count: number, headerCount: number, data: ArrayBuffer, topics: string[], names: string[]];

interface Addon {
  produceBatch(
    client: object,
    topics: string[],
    names: string[],
    meta: Int32Array,
    headers: Int32Array,
    data: Buffer,
    timestamps: Float64Array,
    count: number,
    tag?: number,
    ids?: Float64Array,
  ): [accepted: number, err: number];
  consumeBatch(
    client: object,
    max: number,
    timeoutMs: number,
    cb: (err: (Error & { code?: number }) | null, batch?: NativeBatch) => void,
  ): void;
  consumeNow(client: object, max: number, eofEvents: boolean): NativeBatch | undefined;
  queued(client: object): number;
  reports(client: object): ProducerReports | undefined;
  watch(client: object, onArrival: () => void, main?: boolean): () => void;
  librdkafkaVersion: string;
}

const ADDON = join(dirname(fileURLToPath(import.meta.url)), '../../native/build/Release/tmbus_kafka.node');
// From dist/ the addon is one level further up.
const ADDON_FROM_DIST = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../native/build/Release/tmbus_kafka.node',
);

let addon: Addon | undefined;
let status: string;
{
  const path = [ADDON, ADDON_FROM_DIST].find((p) => existsSync(p));
  if (process.env.TMBUS_NATIVE_BATCH === '0') status = 'off (TMBUS_NATIVE_BATCH=0)';
  else if (!path) status = 'not built (native/build/Release/tmbus_kafka.node missing: npm run build:native)';
  else {
    try {
      // node-rdkafka first: the addon uses the librdkafka it loaded.
      const require = createRequire(import.meta.url);
      const rdkafka = require('node-rdkafka') as { librdkafkaVersion: string };
      const loaded = require(path) as Addon;
      if (loaded.librdkafkaVersion !== rdkafka.librdkafkaVersion)
        status = `built for librdkafka ${loaded.librdkafkaVersion}, node-rdkafka has ${rdkafka.librdkafkaVersion}: npm run build:native`;
      else {
        addon = loaded;
        status = `on (librdkafka ${loaded.librdkafkaVersion})`;
      }
    } catch (err) {
      status = `failed to load: ${(err as Error).message}`;
    }
  }
}

/** Which path records take across the node-rdkafka boundary, and why. */
export function nativeBatchStatus(): { enabled: boolean; status: string } {
  return { enabled: addon !== undefined, status };
}

/** node-rdkafka's native client object behind a producer or consumer. */
function clientOf(native: Kafka.Producer | Kafka.KafkaConsumer): object {
  return (native as unknown as { _client: object })._client;
}

/** Int32 fields per record and per header in the addon's packed layouts (both directions). */
export const META = 8;
export const HEADER = 3;

/** Hands `count` packed records to librdkafka in one call (see ProduceBatch in native-produce.ts). */
export function produceBatch(
  native: Kafka.Producer,
  topics: string[],
  names: string[],
  meta: Int32Array,
  headers: Int32Array,
  data: Buffer,
  times: Float64Array,
  count: number,
  tag: number | undefined,
  ids: Float64Array | undefined,
): [accepted: number, err: number] {
  return addon!.produceBatch(clientOf(native), topics, names, meta, headers, data, times, count, tag, ids);
}

/**
 * Polls up to `max` records in the threadpool (node-rdkafka's consume(n) semantics: the first
 * waits up to `timeoutMs`, the rest do not) and returns them as node-rdkafka shaped messages whose
 * keys, values and header values are views of one Buffer.
 */
export function consumeBatch(
  native: Kafka.KafkaConsumer,
  max: number,
  timeoutMs: number,
  cb: (err: (Error & { code?: number }) | null, messages?: Kafka.Message[]) => void,
): void {
  addon!.consumeBatch(clientOf(native), max, timeoutMs, (err, batch) => {
    if (err) cb(err);
    else cb(null, batch ? unpack(packed(batch)) : []);
  });
}

/**
 * What librdkafka has already queued for this consumer, up to `max` records, read on this thread
 * without waiting (empty when nothing is). Throws librdkafka's error (with its `code`). Pass
 * `eofEvents` when the consumer has `enable.partition.eof` on: its records are then popped one by
 * one, as librdkafka's batch call moves a partition's position past the record after an
 * end-of-partition event (native/kafka_batch.cc, Collector::pollNow).
 */
export function consumeNow(native: Kafka.KafkaConsumer, max: number, eofEvents = false): Kafka.Message[] {
  const batch = addon!.consumeNow(clientOf(native), max, eofEvents);
  return batch ? unpack(packed(batch)) : [];
}

/**
 * `consumeNow` for a reader that takes records (`PackedRecord`s: key, value and headers made when
 * first read) rather than node-rdkafka shaped messages.
 */
export function consumeRecordsNow(
  native: Kafka.KafkaConsumer,
  max: number,
  eofEvents = false,
): PackedRecord[] {
  const batch = addon!.consumeNow(clientOf(native), max, eofEvents);
  return batch ? unpackRecords(packed(batch)) : [];
}

/** `consumeBatch` for a reader that takes records (see `consumeRecordsNow`). */
export function consumeRecordBatch(
  native: Kafka.KafkaConsumer,
  max: number,
  timeoutMs: number,
  cb: (err: (Error & { code?: number }) | null, records?: PackedRecord[]) => void,
): void {
  addon!.consumeBatch(clientOf(native), max, timeoutMs, (err, batch) => {
    if (err) cb(err);
    else cb(null, batch ? unpackRecords(packed(batch)) : []);
  });
}

/**
 * Calls `onArrival` on the event loop when the consumer's queue receives anything after it was
 * last read empty (librdkafka's queue IO event on a pipe that libuv polls). Returns the function
 * that stops watching; call it before the consumer disconnects.
 */
export function watchConsumer(native: Kafka.KafkaConsumer, onArrival: () => void): () => void {
  return addon!.watch(clientOf(native), onArrival);
}

/**
 * Calls `onEvent` on the event loop when the producer's main queue receives anything (a delivery
 * report, an error) after it was last served: poll then, instead of on a timer. Returns the
 * function that stops watching; call it before the producer disconnects.
 */
export function watchProducer(native: Kafka.Producer, onEvent: () => void): () => void {
  return addon!.watch(clientOf(native), onEvent, true);
}

/**
 * Serves the producer's delivery reports and errors on this thread, counted per tag in C++ (the
 * records' tags are those `ProduceBatch.ship` gave them). Nothing else may poll or flush a producer
 * served this way.
 */
export function producerReports(native: Kafka.Producer): ProducerReports | undefined {
  return addon!.reports(clientOf(native));
}

/**
 * What the producer's librdkafka still holds: records not yet acknowledged or reported, and
 * reports and events not yet polled (rd_kafka_outq_len). Read on this thread, without waiting.
 */
export function queuedIn(native: Kafka.Producer): number {
  return addon!.queued(clientOf(native));
}

/** Consumption through the addon is possible. */
consumeBatch.available = (): boolean => addon !== undefined;

const EMPTY = Buffer.alloc(0);

/**
 * The views of a batch as the addon packs it, all in its one Buffer (native/kafka_batch.cc,
 * `Collector`): `meta` (Int32 × 8 per record), then `headers` (Int32 × 3 per header), padding to 8
 * bytes, `positions` (Float64 × 2 per record), then the bytes that the offsets in `meta` and
 * `headers` point into.
 */
export function packed([count, headerCount, buffer, topics, names]: NativeBatch): PackedBatch {
  const headersAt = count * META * 4;
  const positionsAt = (headersAt + headerCount * HEADER * 4 + 7) & ~7;
  return {
    count,
    topics,
    names,
    data: Buffer.from(buffer),
    meta: new Int32Array(buffer, 0, count * META),
    headers: new Int32Array(buffer, headersAt, headerCount * HEADER),
    positions: new Float64Array(buffer, positionsAt, count * 2),
  };
}

/** The records of a packed batch, nothing made but their positions (see PackedRecord). */
export function unpackRecords(b: PackedBatch): PackedRecord[] {
  const out: PackedRecord[] = new Array(b.count);
  const { meta, positions, topics } = b;
  for (let i = 0; i < b.count; i++)
    out[i] = new PackedRecord(
      b,
      i,
      topics[meta[i * META]!]!,
      meta[i * META + 1]!,
      positions[i * 2]!,
      positions[i * 2 + 1]!,
    );
  return out;
}

/**
 * A consumed record over its packed batch: its key, value and headers are views made when read,
 * not when the batch comes in. A backlog of tens of thousands of records waits in the lane queues
 * as one small object each and the batches' off-heap bytes, instead of a message, a record, a
 * header object and six Buffer views each that the young-generation collector copied at every
 * scavenge and then promoted. Nothing read is kept on it: a record that waited long enough to be
 * promoted would hold what it keeps alive (and promoted too) until the next full collection. Each
 * read makes a new view, so a reader that needs the fields more than once takes `toRecord()`.
 */
export class PackedRecord {
  constructor(
    private readonly batch: PackedBatch,
    private readonly index: number,
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly timestamp: number,
  ) {}

  get key(): Buffer | null {
    return this.view(2);
  }

  get value(): Buffer | null {
    return this.view(4);
  }

  /** Every header (a name given twice keeps its last value); binary values sent base64 decoded back. */
  get headers(): RecordHeaders {
    const { meta, headers, names, data } = this.batch;
    const m = this.index * META;
    const all = new PackedHeaders();
    for (let h = 0, e = meta[m + 6]! * HEADER; h < meta[m + 7]!; h++, e += HEADER) {
      const len = headers[e + 2]!;
      all[names[headers[e]!]!] = len < 0 ? EMPTY : data.subarray(headers[e + 1]!, headers[e + 1]! + len);
    }
    return all[BINARY_HEADERS] === undefined ? all : fromNativeHeaders([all]);
  }

  /** A plain record with every field read once (for processing: it dies young). */
  toRecord(): KafkaRecord<Buffer | null, Buffer | null> {
    const { topic, partition, offset, timestamp } = this;
    return {
      topic,
      partition,
      offset,
      key: this.view(2),
      value: this.view(4),
      timestamp,
      headers: this.headers,
    };
  }

  /**
   * Whether header `name`'s last value is exactly `bytes`, read in place (no view, no string):
   * `undefined` when the record has no such header.
   */
  headerIs(name: string, bytes: Uint8Array): boolean | undefined {
    const e = this.entryOf(name);
    if (e < 0) return undefined;
    const { headers, data } = this.batch;
    const len = headers[e + 2]!;
    if (len !== bytes.length) return false;
    const at = headers[e + 1]!;
    for (let i = 0; i < len; i++) if (data[at + i] !== bytes[i]) return false;
    return true;
  }

  /** The first byte of header `name`'s last value, -1 when empty or absent (read in place). */
  headerByte(name: string): number {
    const e = this.entryOf(name);
    const { headers, data } = this.batch;
    return e < 0 || headers[e + 2]! <= 0 ? -1 : data[headers[e + 1]!]!;
  }

  toJSON(): object {
    return this.toRecord();
  }

  /** Where header `name`'s last entry is in the batch's header table, -1 when the record has none. */
  private entryOf(name: string): number {
    const { meta, headers, names } = this.batch;
    const m = this.index * META;
    let found = -1;
    for (let h = 0, e = meta[m + 6]! * HEADER; h < meta[m + 7]!; h++, e += HEADER)
      if (names[headers[e]!] === name) found = e;
    return found;
  }

  /** The key (field 2) or value (field 4) view, null when the record has none. */
  private view(field: 2 | 4): Buffer | null {
    const m = this.index * META;
    const len = this.batch.meta[m + field + 1]!;
    if (len < 0) return null;
    const at = this.batch.meta[m + field]!;
    return this.batch.data.subarray(at, at + len);
  }
}

/**
 * node-rdkafka shaped messages over one packed batch (values are views, not copies). A record's
 * headers are one `PackedHeaders` object in the `headers` list.
 */
export function unpack(b: PackedBatch): Kafka.Message[] {
  const out: Kafka.Message[] = new Array(b.count);
  const { data, meta, headers, positions, topics, names } = b;
  for (let i = 0; i < b.count; i++) {
    const m = i * META;
    const keyLen = meta[m + 3]!;
    const valueLen = meta[m + 5]!;
    const value = valueLen < 0 ? null : data.subarray(meta[m + 4]!, meta[m + 4]! + valueLen);
    const message: Kafka.Message = {
      topic: topics[meta[m]!]!,
      partition: meta[m + 1]!,
      offset: positions[i * 2]!,
      timestamp: positions[i * 2 + 1]!,
      key: keyLen < 0 ? undefined : data.subarray(meta[m + 2]!, meta[m + 2]! + keyLen),
      value,
      size: valueLen < 0 ? 0 : valueLen,
    };
    const n = meta[m + 7]!;
    if (n > 0) {
      // One object with every header (a name given twice keeps its last value, as records do).
      const all = new PackedHeaders();
      for (let h = 0, e = meta[m + 6]! * HEADER; h < n; h++, e += HEADER) {
        const len = headers[e + 2]!;
        all[names[headers[e]!]!] = len < 0 ? EMPTY : data.subarray(headers[e + 1]!, headers[e + 1]! + len);
      }
      message.headers = [all];
    }
    out[i] = message;
  }
  return out;
}
