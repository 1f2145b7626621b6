// The bus's native fast path across the node-rdkafka boundary (native/kafka_batch.cc): records go
// to librdkafka a batch per call, and consumed records come back packed in one Buffer per batch,
// instead of one crossing and one set of V8 objects per record. It works on node-rdkafka's own
// client handles, so configuration, rebalances, commits, transactions and error reports stay
// node-rdkafka's.
//
// The addon is built at install (`npm ci` runs scripts/build-native.mjs). Without it — a failed
// build, or TMBUS_NATIVE_BATCH=0 to compare — the bus uses node-rdkafka's per-record calls.
// `nativeBatchStatus()` says which path is in use and why.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Kafka from 'node-rdkafka';
import type { OutgoingRecord } from '../../core/record.js';
import { BINARY_HEADERS, PackedHeaders } from './native-headers.js';

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

type Outgoing = OutgoingRecord<Buffer | string | null, Buffer | null>;

const META = 8;
/** librdkafka's ERR__STATE: the client is not connected (or closed meanwhile). */
const ERR_NOT_CONNECTED = -172;
const HEADER = 3;

/**
 * Records packed for one `produceBatch` call: keys, values and header values copied into one
 * reused buffer (librdkafka copies them again on enqueue), the rest as offsets. Header values go
 * as their bytes (no base64: nothing here passes them through C strings).
 */
export class ProduceBatch {
  readonly records: Outgoing[] = [];
  private topics: string[] = [];
  private readonly topicIndex = new Map<string, number>();
  private names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  private meta = new Int32Array(META * 256);
  private headers = new Int32Array(HEADER * 1024);
  private times = new Float64Array(256);
  /** Per record: the id its delivery report gives its position under, or -1 (its tag's count). */
  private ids: Float64Array | undefined;
  private withIds = false;
  private data = Buffer.allocUnsafe(256 * 1024);
  private used = 0;
  private headerCount = 0;

  get count(): number {
    return this.records.length;
  }

  get bytes(): number {
    return this.used;
  }

  /** Packs `record`; with `id` (>= 0) its report gives its position under that id. */
  add(record: Outgoing, id = -1): void {
    const n = this.records.length;
    if (n === this.times.length) this.growRecords();
    if (id >= 0 && !this.withIds) {
      this.ids ??= new Float64Array(this.times.length);
      this.ids.fill(-1, 0, n);
      this.withIds = true;
    }
    if (this.withIds) this.ids![n] = id;
    const m = n * META;
    const meta = this.meta;
    meta[m] = this.indexOf(record.topic, this.topics, this.topicIndex);
    meta[m + 1] = record.partition ?? -1;
    this.bytesAt(record.key ?? null, m + 2);
    this.bytesAt(record.value, m + 4);
    meta[m + 6] = this.headerCount;
    let headers = 0;
    const h = record.headers;
    if (h) {
      for (const name in h) {
        if (name === BINARY_HEADERS) continue; // the per-record path's marker: not needed here
        const value = h[name];
        if (value === undefined) continue;
        if ((this.headerCount + 1) * HEADER > this.headers.length) this.growHeaders();
        const e = this.headerCount * HEADER;
        this.headers[e] = this.indexOf(name, this.names, this.nameIndex);
        const at = this.write(value);
        this.headers[e + 1] = at;
        this.headers[e + 2] = this.used - at;
        this.headerCount++;
        headers++;
      }
    }
    meta[m + 7] = headers;
    this.times[n] = record.timestamp ?? Date.now();
    this.records.push(record);
  }

  /**
   * Hands the batch to librdkafka. Returns how many it accepted (in order) and librdkafka's error
   * for the first one it refused (0 when all went). `clear` empties the batch.
   */
  ship(native: Kafka.Producer, tag?: number): { accepted: number; err: number } {
    const count = this.records.length;
    if (count === 0) return { accepted: 0, err: 0 };
    const [accepted, err] = addon!.produceBatch(
      clientOf(native),
      this.topics,
      this.names,
      this.meta,
      this.headers,
      this.data,
      this.times,
      count,
      tag,
      this.withIds ? this.ids : undefined,
    );
    return { accepted, err };
  }

  /** The id record `i` was added with (-1: none). */
  idAt(i: number): number {
    return this.withIds ? this.ids![i]! : -1;
  }

  clear(): void {
    this.records.length = 0;
    this.withIds = false;
    this.used = 0;
    this.headerCount = 0;
    // Tables stay small; a run with many topics starts them afresh now and then.
    if (this.topics.length > 64) {
      this.topics = [];
      this.topicIndex.clear();
    }
    if (this.names.length > 256) {
      this.names = [];
      this.nameIndex.clear();
    }
  }

  private indexOf(s: string, table: string[], index: Map<string, number>): number {
    let i = index.get(s);
    if (i === undefined) {
      i = table.length;
      table.push(s);
      index.set(s, i);
    }
    return i;
  }

  /** Writes a key or value; its offset and length (-1 for null) go to meta[at], meta[at + 1]. */
  private bytesAt(value: Buffer | string | null, at: number): void {
    if (value === null) {
      this.meta[at] = 0;
      this.meta[at + 1] = -1;
      return;
    }
    const start = this.write(value);
    this.meta[at] = start;
    this.meta[at + 1] = this.used - start;
  }

  private write(value: Buffer | string): number {
    const start = this.used;
    if (typeof value === 'string') {
      this.reserve(value.length * 3);
      this.used += this.data.write(value, start);
    } else {
      this.reserve(value.length);
      this.data.set(value, start);
      this.used += value.length;
    }
    return start;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.data.length * 2, this.used + n));
    this.data.copy(grown, 0, 0, this.used);
    this.data = grown;
  }

  private growRecords(): void {
    const meta = new Int32Array(this.meta.length * 2);
    meta.set(this.meta);
    this.meta = meta;
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    if (this.ids) {
      const ids = new Float64Array(times.length);
      ids.set(this.ids);
      this.ids = ids;
    }
  }

  private growHeaders(): void {
    const headers = new Int32Array(this.headers.length * 2);
    headers.set(this.headers);
    this.headers = headers;
  }
}

/**
 * `produce`d records on their way to librdkafka: packed as they come and handed over in one call at
 * the end of the current task (a microtask), or at once past 1,000 records or 1 MiB, or when the
 * tag changes (one tag per call: it is the records' delivery-report opaque, for `producerReports`).
 * From the first record librdkafka refuses (a full queue, an unknown topic; or every one when the
 * client is gone) the rest go to `fallback`, in order, with librdkafka's error.
 */
export class BatchedProduce {
  private readonly batch = new ProduceBatch();
  private tag: number | undefined;
  private scheduled = false;
  private readonly shipNow = () => this.ship();

  static available(): boolean {
    return addon !== undefined;
  }

  constructor(
    private readonly client: () => Kafka.Producer,
    private readonly fallback: (record: Outgoing, tag: number | undefined, err: number, id: number) => void,
  ) {}

  /**
   * Packs `record`; with `tag` its delivery report is counted against it (`producerReports`), with
   * `id` (>= 0) its report gives its position under that id instead (whatever the batch's tag).
   */
  add(record: Outgoing, tag?: number, id = -1): void {
    const batch = this.batch;
    if (id >= 0) {
      batch.add(record, id);
      this.scheduleShip();
      return;
    }
    if (tag !== this.tag) {
      const err = batch.count > 0 ? this.ship() : 0;
      this.tag = tag;
      // What was packed was refused (it went to `fallback`): this record follows it there, in order.
      if (err !== 0) {
        this.fallback(record, tag, err, -1);
        return;
      }
    }
    batch.add(record);
    this.scheduleShip();
  }

  private scheduleShip(): void {
    const batch = this.batch;
    if (batch.count >= 1000 || batch.bytes >= 1 << 20) this.ship();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.shipNow);
    }
  }

  /**
   * Hands over what is packed (flush calls this first). Returns librdkafka's error for the first
   * record it refused (those from it on went to `fallback`), 0 when every one went.
   */
  ship(): number {
    this.scheduled = false;
    const batch = this.batch;
    if (batch.count === 0) return 0;
    let accepted = 0;
    let err = ERR_NOT_CONNECTED;
    try {
      ({ accepted, err } = batch.ship(this.client(), this.tag));
    } catch {
      // Not connected (or closed meanwhile): the fallback reports each record's failure.
    }
    if (accepted >= batch.count) {
      batch.clear();
      return 0;
    }
    const rest = batch.records.slice(accepted).map((record, i) => ({ record, id: batch.idAt(accepted + i) }));
    batch.clear();
    for (const { record, id } of rest) this.fallback(record, this.tag, err, id);
    return err;
  }

  /** Drops what is packed (a re-initialised transactional producer: never into the new transaction). */
  clear(): void {
    this.batch.clear();
  }
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
