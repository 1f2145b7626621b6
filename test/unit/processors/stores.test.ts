import { describe, expect, it } from 'vitest';
import { BusError } from '../../../core/errors.js';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { kvStore, sessionStore, windowStore } from './support.js';

type Change = [Buffer, Buffer | null];

describe('in-memory stores', () => {
  it('the JSON serde keeps bigint and Buffer values', () => {
    const serde = jsonSerde<{ qty: bigint; raw: Buffer; nested: { n: bigint[] } }>();
    const value = { qty: 12345678901234567890n, raw: Buffer.from([1, 2, 3]), nested: { n: [1n, -2n] } };
    expect(serde.deserialize(serde.serialize(value, { topic: 't' }), { topic: 't' })).toEqual(value);
    expect(() => serde.deserialize(Buffer.from('{nope'), { topic: 't', partition: 1, offset: 9 })).toThrow(
      /not JSON/,
    );
  });

  it('key-value store: ordered by key bytes, range, delete, changelog and restore', () => {
    const store = kvStore<string, number>('positions');
    const log: Change[] = [];
    store.onChange((k, v) => log.push([k, v]));
    store.put('b', 2);
    store.put('a', 1);
    store.put('c', 3);
    expect(store.delete('b')).toBe(2);
    expect(store.delete('zz')).toBeUndefined();
    expect(store.all()).toEqual([
      { key: 'a', value: 1 },
      { key: 'c', value: 3 },
    ]);
    expect(store.range('a', 'b')).toEqual([{ key: 'a', value: 1 }]);
    expect(log.map(([k, v]) => [k.toString(), v?.toString() ?? null])).toEqual([
      ['"b"', '2'],
      ['"a"', '1'],
      ['"c"', '3'],
      ['"b"', null],
    ]);
    const copy = kvStore<string, number>('positions');
    let notified = 0;
    copy.onChange(() => notified++);
    for (const [k, v] of log) copy.restore(k, v);
    expect(copy.all()).toEqual(store.all());
    expect(notified).toBe(0);
  });

  it('window store: fetch by range, composite changelog keys, restore', () => {
    const store = windowStore<string, number>(60_000);
    const log: Change[] = [];
    store.onChange((k, v) => log.push([k, v]));
    store.put('AAPL', 60_000, 2);
    store.put('AAPL', 0, 1);
    store.put('MSFT', 0, 9);
    store.delete('MSFT', 0);
    expect(store.fetch('AAPL', 0)).toBe(1);
    expect(store.fetchRange('AAPL', 0, 60_000).map((e) => [e.key.window, e.value])).toEqual([
      [{ start: 0, end: 60_000 }, 1],
      [{ start: 60_000, end: 120_000 }, 2],
    ]);
    expect(log[0]?.[0].subarray(-8).readBigInt64BE()).toBe(60_000n);
    const copy = windowStore<string, number>(60_000);
    for (const [k, v] of log) copy.restore(k, v);
    expect(copy.all()).toEqual(store.all());
  });

  it('session store: find overlapping sessions, remove, restore', () => {
    const store = sessionStore<string, number>();
    const log: Change[] = [];
    store.onChange((k, v) => log.push([k, v]));
    store.put('u', { start: 0, end: 10 }, 2);
    store.put('u', { start: 50, end: 60 }, 3);
    store.put('v', { start: 0, end: 1 }, 1);
    store.remove('v', { start: 0, end: 1 });
    expect(store.findSessions('u', 5, 55).map((e) => e.value)).toEqual([2, 3]);
    expect(store.findSessions('u', 11, 49)).toEqual([]);
    const copy = sessionStore<string, number>();
    for (const [k, v] of log) copy.restore(k, v);
    expect(copy.all()).toEqual(store.all());
  });

  it('the provider creates declared stores once, by kind, and refuses unknown ones', () => {
    const provider = new InMemoryStoreProvider([
      { name: 'counts', kind: 'keyValue', keySerde: jsonSerde(), valueSerde: jsonSerde() },
      { name: 'volume', kind: 'window', keySerde: jsonSerde(), valueSerde: jsonSerde(), windowSizeMs: 1000 },
    ]);
    expect(provider.getKeyValueStore('counts')).toBe(provider.getStore('counts'));
    expect(provider.getWindowStore('volume').windowSizeMs).toBe(1000);
    expect(() => provider.getStore('nope')).toThrow(BusError);
    expect(() => provider.getStore('nope')).toThrow("unknown store 'nope' (known: counts, volume)");
    expect(() => provider.getSessionStore('counts')).toThrow(
      "store 'counts' is a keyValue store, not a session store",
    );
  });
});
