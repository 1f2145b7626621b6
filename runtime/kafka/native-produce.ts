// The produce side of the native fast path (native/kafka_batch.cc, `produceBatch`): records packed
// into one reused buffer and handed to librdkafka a batch per call, each batch carrying its commit
// tag as the delivery-report opaque, and a record that needs its own report (a `send`) its own id.
// The consume side and the addon's loading are in native-batch.ts.

import type Kafka from 'node-rdkafka';
import type { OutgoingRecord } from '../../core/record.js';
import { ERR_NOT_CONNECTED } from './kafka-errors.js';
import { HEADER, META, nativeBatchStatus, produceBatch } from './native-batch.js';
import { BINARY_HEADERS } from './native-headers.js';

type Outgoing = OutgoingRecord<Buffer | string | null, Buffer | null>;

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
    const [accepted, err] = produceBatch(
      native,
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
 * tag changes (one tag per call: it is the records' delivery-report opaque, for `producerReports`;
 * a record added with an id carries that instead, whatever the call's tag).
 * From the first record librdkafka refuses (a full queue, an unknown topic; or every one when the
 * client is gone) the rest go to `fallback`, in order, with librdkafka's error.
 */
export class BatchedProduce {
  private readonly batch = new ProduceBatch();
  private tag: number | undefined;
  private scheduled = false;
  private readonly shipNow = () => this.ship();

  static available(): boolean {
    return nativeBatchStatus().enabled;
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
