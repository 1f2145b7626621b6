// One shared suite for the store contract (processors/stores/types.ts), run against every backend
// (contract.test.ts): what a processor can observe of a store must not depend on where it lives.

import { describe, expect, it } from 'vitest';
import { BusError } from '../../../core/errors.js';
import type { Serde } from '../../../core/record.js';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import type { StoreDefinition, StoreProvider } from '../../../processors/stores/types.js';

type Change = [string, string | null];

/** Raw UTF-8 keys, so tests can pick keys that are byte prefixes of one another or hold NUL. */
export const utf8: Serde<string> = {
  name: 'utf8',
  serialize: (v) => Buffer.from(v, 'utf8'),
  deserialize: (b) => b.toString('utf8'),
};

const KV: StoreDefinition = { name: 'kv', kind: 'keyValue', keySerde: utf8, valueSerde: jsonSerde() };
const WIN: StoreDefinition = {
  name: 'win',
  kind: 'window',
  keySerde: utf8,
  valueSerde: jsonSerde(),
  windowSizeMs: 10,
};
const DUP: StoreDefinition = { ...WIN, name: 'dup', retainDuplicates: true };
const SES: StoreDefinition = { name: 'ses', kind: 'session', keySerde: utf8, valueSerde: jsonSerde() };
export const CONTRACT_STORES: readonly StoreDefinition[] = [KV, WIN, DUP, SES];

/** A backend under test: a fresh provider per call (a new directory for persistent ones). */
export interface StoreBackend {
  readonly name: string;
  create(definitions: readonly StoreDefinition[]): StoreProvider;
}

const hex = ([k, v]: [Buffer, Buffer | null]): Change => [k.toString('hex'), v?.toString('utf8') ?? null];

function recorded(provider: StoreProvider, name: string): Change[] {
  const log: Change[] = [];
  provider.getStore(name).onChange((k, v) => log.push(hex([k, v])));
  return log;
}

/** Replays a changelog into a fresh provider's store, checking nobody is notified. */
function replay(backend: StoreBackend, name: string, log: Change[]): StoreProvider {
  const copy = backend.create(CONTRACT_STORES);
  let notified = 0;
  copy.getStore(name).onChange(() => notified++);
  for (const [k, v] of log)
    copy.getStore(name).restore(Buffer.from(k, 'hex'), v === null ? null : Buffer.from(v));
  expect(notified).toBe(0);
  return copy;
}

export function storeContract(backend: StoreBackend): void {
  describe(`${backend.name} stores: the shared contract`, () => {
    it('key-value: put, get, delete, byte-ordered all() and inclusive range()', () => {
      const stores = backend.create(CONTRACT_STORES);
      const kv = stores.getKeyValueStore<string, number>('kv');
      const log = recorded(stores, 'kv');
      for (const k of ['b', 'ab', 'a', '', 'a\u0000', 'c']) kv.put(k, k.length);
      kv.put('b', 20);
      expect(kv.get('b')).toBe(20);
      expect(kv.get('zz')).toBeUndefined();
      expect(kv.delete('c')).toBe(1);
      expect(kv.delete('c')).toBeUndefined();
      expect(kv.size).toBe(5);
      expect(kv.all().map((e) => e.key)).toEqual(['', 'a', 'a\u0000', 'ab', 'b']);
      expect(kv.range('a', 'ab')).toEqual([
        { key: 'a', value: 1 },
        { key: 'a\u0000', value: 2 },
        { key: 'ab', value: 2 },
      ]);
      expect(kv.range('c', 'a')).toEqual([]);
      expect(log.at(-1)).toEqual([Buffer.from('c').toString('hex'), null]);
      expect(log).toHaveLength(8);
      expect(replay(backend, 'kv', log).getKeyValueStore('kv').all()).toEqual(kv.all());
    });

    it('key-value: 5,000 keys put in random order come back from range() in byte order', () => {
      const kv = backend.create(CONTRACT_STORES).getKeyValueStore<string, number>('kv');
      const keys = Array.from({ length: 5_000 }, (_, i) => `k${((i * 7_919) % 5_000).toString(36)}`);
      for (const k of keys) kv.put(k, k.length);
      const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(kv.range('k', 'l').map((e) => e.key)).toEqual(expected);
    });

    it('window: fetch, fetchRange by start, all() by key bytes then start, negative times, delete', () => {
      const stores = backend.create(CONTRACT_STORES);
      const win = stores.getWindowStore<string, string>('win');
      const log = recorded(stores, 'win');
      win.put('ab', 0, 'ab@0');
      win.put('a', 30, 'a@30');
      win.put('a', -20, 'a@-20');
      win.put('a', 10, 'a@10');
      win.put('a', 10, 'a@10 again');
      expect(win.fetch('a', 10)).toBe('a@10 again');
      expect(win.fetch('a', 20)).toBeUndefined();
      expect(win.fetchRange('a', -100, 10).map((e) => [e.key.window, e.value])).toEqual([
        [{ start: -20, end: -10 }, 'a@-20'],
        [{ start: 10, end: 20 }, 'a@10 again'],
      ]);
      expect(win.fetchRange('a', 11, 10)).toEqual([]);
      expect(win.all().map((e) => `${e.key.key}@${e.key.window.start}`)).toEqual([
        'a@-20',
        'a@10',
        'a@30',
        'ab@0',
      ]);
      win.delete('a', 30);
      win.delete('a', 31);
      expect(win.size).toBe(3);
      // Kafka's changelog key: key bytes then the 8-byte big-endian start.
      expect(log[0]?.[0]).toBe(Buffer.concat([Buffer.from('ab'), Buffer.alloc(8)]).toString('hex'));
      expect(log.at(-1)?.[1]).toBeNull();
      expect(replay(backend, 'win', log).getWindowStore('win').all()).toEqual(win.all());
    });

    it('window with duplicates: one entry per put, fetched in put order, deleted together', () => {
      const stores = backend.create(CONTRACT_STORES);
      const dup = stores.getWindowStore<string, string>('dup');
      const log = recorded(stores, 'dup');
      dup.put('k', 5, 'first');
      dup.put('k', 5, 'second');
      dup.put('k', 3, 'earlier');
      dup.put('k', 5, 'third');
      expect(dup.size).toBe(4);
      expect(dup.fetch('k', 5)).toBe('first');
      expect(dup.fetchRange('k', 0, 10).map((e) => e.value)).toEqual(['earlier', 'first', 'second', 'third']);
      // Changelog keys end with a 4-byte sequence number: each record survives compaction.
      expect(log.map(([k]) => k.slice(-8))).toEqual(['00000000', '00000001', '00000000', '00000002']);
      const copy = replay(backend, 'dup', log).getWindowStore<string, string>('dup');
      expect(copy.all()).toEqual(dup.all());
      copy.put('k', 5, 'fourth');
      expect(copy.fetchRange('k', 5, 5).map((e) => e.value)).toEqual(['first', 'second', 'third', 'fourth']);
      dup.delete('k', 5);
      expect(dup.all().map((e) => e.value)).toEqual(['earlier']);
      expect(log.slice(4)).toEqual([
        [log[0]?.[0], null],
        [log[1]?.[0], null],
        [log[3]?.[0], null],
      ]);
    });

    it('window: deleteBefore removes every key’s old windows, with a tombstone each', () => {
      const stores = backend.create(CONTRACT_STORES);
      const win = stores.getWindowStore<string, number>('win');
      const log = recorded(stores, 'win');
      for (const k of ['x', 'y']) for (const t of [0, 10, 20, 30]) win.put(k, t, t);
      expect(win.deleteBefore(20)).toBe(4);
      expect(win.all().map((e) => `${e.key.key}@${e.key.window.start}`)).toEqual([
        'x@20',
        'x@30',
        'y@20',
        'y@30',
      ]);
      expect(log.filter(([, v]) => v === null)).toHaveLength(4);
    });

    it('session: findSessions by end and start bounds, remove, all(), restore', () => {
      const stores = backend.create(CONTRACT_STORES);
      const ses = stores.getSessionStore<string, number>('ses');
      const log = recorded(stores, 'ses');
      ses.put('u', { start: 0, end: 40 }, 1);
      ses.put('u', { start: 100, end: 150 }, 2);
      ses.put('u', { start: 200, end: 200 }, 3);
      ses.put('ua', { start: 0, end: 500 }, 4);
      expect(ses.findSessions('u', 50, 1_000).map((e) => e.value)).toEqual([2, 3]);
      expect(ses.findSessions('u', 0, 150).map((e) => e.key.window)).toEqual([
        { start: 0, end: 40 },
        { start: 100, end: 150 },
      ]);
      expect(ses.findSessions('nobody', 0, 1_000)).toEqual([]);
      ses.remove('u', { start: 0, end: 40 });
      ses.remove('u', { start: 1, end: 40 });
      expect(ses.size).toBe(3);
      expect(ses.all().map((e) => [e.key.key, e.value])).toEqual([
        ['u', 2],
        ['u', 3],
        ['ua', 4],
      ]);
      // Kafka's session changelog key: key bytes, end, start.
      const end40 = Buffer.alloc(16);
      end40.writeBigInt64BE(40n, 0);
      expect(log[0]?.[0]).toBe(Buffer.concat([Buffer.from('u'), end40]).toString('hex'));
      expect(replay(backend, 'ses', log).getSessionStore('ses').all()).toEqual(ses.all());
    });

    it('onChange: unsubscribes, and a failing listener fails the write with STORE_FAILED', () => {
      const stores = backend.create(CONTRACT_STORES);
      const kv = stores.getKeyValueStore<string, number>('kv');
      const seen: string[] = [];
      const off = kv.onChange((k) => seen.push(k.toString()));
      kv.put('a', 1);
      off();
      kv.put('b', 2);
      expect(seen).toEqual(['a']);
      kv.onChange(() => {
        throw new Error('changelog down');
      });
      expect(() => kv.put('c', 3)).toThrow(BusError);
      expect(() => kv.put('c', 3)).toThrow(/changelog listener of store kv failed/);
    });

    it('the provider refuses unknown stores and the wrong kind', () => {
      const stores = backend.create(CONTRACT_STORES);
      expect(() => stores.getStore('nope')).toThrow(/unknown store 'nope'/);
      expect(() => stores.getWindowStore('kv')).toThrow(/keyValue store, not a window store/);
      expect(stores.getStore('kv')).toBe(stores.getKeyValueStore('kv'));
    });
  });
}
