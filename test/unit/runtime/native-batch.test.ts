// The native batch addon (native/kafka_batch.cc): built at install and loaded beside node-rdkafka,
// and `unpack` turning one packed batch into node-rdkafka shaped messages. The round trip through
// a real broker is test/integration/runtime/native-batch.test.ts.
import { describe, expect, it } from 'vitest';
import { headerPriority } from '../../../runtime/engine/kafka-message.js';
import {
  nativeBatchStatus,
  type PackedBatch,
  PackedRecord,
  packed,
  unpack,
  unpackRecords,
} from '../../../runtime/kafka/native-batch.js';
import { fromNativeHeaders, PackedHeaders } from '../../../runtime/kafka/native-headers.js';

describe('native batch addon', () => {
  it('is built by the install and loaded (the bus otherwise falls back to per-record calls)', () => {
    if (process.env.TMBUS_NATIVE_BATCH === '0') return; // the fallback is being exercised on purpose
    const { enabled, status } = nativeBatchStatus();
    expect(status).toMatch(/^on \(librdkafka /);
    expect(enabled).toBe(true);
  });

  it('unpacks keys, values and headers as views of the batch buffer', () => {
    const data = Buffer.from('k1v1hello' + 'v2' + 'xy', 'latin1');
    const batch: PackedBatch = {
      count: 3,
      topics: ['t-a', 't-b'],
      names: ['tm-event-type', 'bin'],
      data,
      // topic, partition, key off, key len, value off, value len, first header, header count
      meta: Int32Array.from([0, 2, 0, 2, 2, 2, 0, 2, 1, 0, 0, -1, 9, 2, 2, 0, 1, 5, 0, -1, 0, -1, 0, 0]),
      // name index, value offset, value length
      headers: Int32Array.from([0, 4, 5, 1, 11, 2]),
      positions: Float64Array.from([41, 1700000000000, 7, 1700000000001, 9, 1700000000002]),
    };
    const [a, b, c] = unpack(batch);
    expect(a).toMatchObject({ topic: 't-a', partition: 2, offset: 41, timestamp: 1700000000000, size: 2 });
    expect(a!.key?.toString()).toBe('k1');
    expect(a!.value?.toString()).toBe('v1');
    // All of a record's headers in one object, which is already what a record holds.
    expect(a!.headers).toEqual([{ 'tm-event-type': Buffer.from('hello'), bin: Buffer.from('xy') }]);
    expect(a!.headers![0]).toBeInstanceOf(PackedHeaders);
    expect(fromNativeHeaders(a!.headers)).toBe(a!.headers![0]);
    expect(b).toMatchObject({ topic: 't-b', partition: 0, offset: 7, key: undefined });
    expect(b!.value?.toString()).toBe('v2');
    expect(b!.headers).toBeUndefined();
    expect(c).toMatchObject({ topic: 't-b', partition: 5, value: null, key: undefined, size: 0 });
    // Views, not copies: the batch buffer backs them.
    expect(a!.value!.buffer).toBe(data.buffer);
  });

  it("reads the addon's one-Buffer layout: meta, headers, positions at 8 bytes, then the bytes", () => {
    // Two records, three headers: meta 64 bytes, headers 36 (-> positions at 104), positions 32.
    const buffer = new ArrayBuffer(136 + 8);
    const data = Buffer.from(buffer);
    const meta = [0, 1, 136, 1, 137, 2, 0, 2, 0, 3, 0, -1, 139, 2, 2, 1];
    const headers = [0, 141, 1, 1, 142, 2, 0, 0, -1];
    new Int32Array(buffer, 0, 16).set(meta);
    new Int32Array(buffer, 64, 9).set(headers);
    new Float64Array(buffer, 104, 4).set([5, 1e12, 6, 1e12 + 1]);
    data.write('kv1v2abc', 136, 'latin1');
    const [a, b] = unpack(packed([2, 3, buffer, ['t'], ['x', 'y']]));
    expect(a).toMatchObject({ topic: 't', partition: 1, offset: 5, timestamp: 1e12 });
    expect([a!.key!.toString(), a!.value!.toString()]).toEqual(['k', 'v1']);
    expect(a!.headers).toEqual([{ x: Buffer.from('a'), y: Buffer.from('bc') }]);
    expect(b).toMatchObject({ partition: 3, offset: 6, timestamp: 1e12 + 1, key: undefined });
    expect(b!.value!.toString()).toBe('v2');
    expect(b!.headers).toEqual([{ x: Buffer.alloc(0) }]);
  });

  it('decodes base64 headers a per-record producer sent, even when read through the addon', () => {
    const packed = new PackedHeaders();
    packed['tm-binary-headers'] = Buffer.from('bin');
    packed.bin = Buffer.from(Buffer.from([0, 255]).toString('base64'));
    packed.text = Buffer.from('plain');
    expect(fromNativeHeaders([packed])).toEqual({ bin: Buffer.from([0, 255]), text: Buffer.from('plain') });
  });

  it('reads records over the batch: views made on each read, nothing kept on the record', () => {
    const data = Buffer.from('k1v1CRITICALxy' + 'v2' + 'HIGHER', 'latin1');
    const batch: PackedBatch = {
      count: 3,
      topics: ['t-a', 't-b'],
      names: ['tm-priority', 'bin'],
      data,
      meta: Int32Array.from([0, 2, 0, 2, 2, 2, 0, 2, 1, 0, 0, -1, 14, 2, 2, 1, 1, 5, 0, -1, 0, -1, 0, 0]),
      headers: Int32Array.from([0, 4, 8, 1, 12, 2, 0, 16, 6]),
      positions: Float64Array.from([41, 1700000000000, 7, 1700000000001, 9, 1700000000002]),
    };
    const [a, b, c] = unpackRecords(batch);
    expect(a).toBeInstanceOf(PackedRecord);
    expect(a).toMatchObject({ topic: 't-a', partition: 2, offset: 41, timestamp: 1700000000000 });
    expect(a!.key?.toString()).toBe('k1');
    expect(a!.value?.toString()).toBe('v1');
    expect(a!.headers).toEqual({ 'tm-priority': Buffer.from('CRITICAL'), bin: Buffer.from('xy') });
    // Each read is a new view of the batch's bytes: the record holds no reference to one.
    expect(a!.value).not.toBe(a!.value);
    expect(a!.value!.buffer).toBe(data.buffer);
    expect(Object.values(a!).some((v) => Buffer.isBuffer(v))).toBe(false);
    // toRecord reads every field once into a plain record.
    const plain = a!.toRecord();
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect(plain).toEqual({
      topic: 't-a',
      partition: 2,
      offset: 41,
      timestamp: 1700000000000,
      key: Buffer.from('k1'),
      value: Buffer.from('v1'),
      headers: { 'tm-priority': Buffer.from('CRITICAL'), bin: Buffer.from('xy') },
    });
    expect(b!.toRecord()).toMatchObject({ topic: 't-b', key: null, value: Buffer.from('v2') });
    expect(c!.toRecord()).toMatchObject({ partition: 5, key: null, value: null, headers: {} });
    // Headers read in place.
    expect(a!.headerIs('tm-priority', Buffer.from('CRITICAL'))).toBe(true);
    expect(a!.headerIs('tm-priority', Buffer.from('CRITICAl'))).toBe(false);
    expect(a!.headerIs('tm-priority', Buffer.from('CRIT'))).toBe(false);
    expect(a!.headerIs('absent', Buffer.from('x'))).toBeUndefined();
    expect(a!.headerByte('bin')).toBe('x'.charCodeAt(0));
    expect(c!.headerByte('tm-priority')).toBe(-1);
    // The lane read in place: CRITICAL; a value that only starts like a lane, or none, is STANDARD.
    expect(headerPriority(a!)).toBe('CRITICAL');
    expect(headerPriority(b!)).toBe('STANDARD'); // 'HIGHER'
    expect(headerPriority(c!)).toBe('STANDARD');
  });

  it('decodes base64 headers a per-record producer sent when a packed record is read', () => {
    const data = Buffer.from(`bin${Buffer.from([0, 255]).toString('base64')}`, 'latin1');
    const [r] = unpackRecords({
      count: 1,
      topics: ['t'],
      names: ['tm-binary-headers', 'bin'],
      data,
      meta: Int32Array.from([0, 0, 0, -1, 0, -1, 0, 2]),
      headers: Int32Array.from([0, 0, 3, 1, 3, data.length - 3]),
      positions: Float64Array.from([0, 1]),
    });
    expect(r!.headers).toEqual({ bin: Buffer.from([0, 255]) });
  });
});
