// What only the persistent stores promise: state that outlives the process, ordered scans served by
// the database (no sort in JavaScript), the task directory layout, metadata, wipe.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import {
  LmdbStoreProvider,
  lmdbStoreProvider,
  lmdbTaskDirectory,
} from '../../../processors/stores/lmdbStoreProvider.js';
import type { StoreDefinition } from '../../../processors/stores/types.js';
import { CONTRACT_STORES, utf8 } from './storeContract.js';

const root = mkdtempSync(join(tmpdir(), 'tmbus-lmdb-'));
const open: LmdbStoreProvider[] = [];
let n = 0;

function provider(dir = join(root, `t${n++}`), defs: readonly StoreDefinition[] = CONTRACT_STORES) {
  const p = new LmdbStoreProvider(dir, defs);
  open.push(p);
  return p;
}

afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  for (const p of open) await p.close();
  rmSync(root, { recursive: true, force: true });
});

describe('LMDB stores', () => {
  it('keep every store’s contents across close and reopen of the task directory', async () => {
    const first = provider();
    first.getKeyValueStore<string, { qty: bigint }>('kv').put('AAPL', { qty: 7n });
    first.getWindowStore<string, string>('dup').put('o1', 100, 'a');
    first.getWindowStore<string, string>('dup').put('o1', 100, 'b');
    first.getSessionStore<string, number>('ses').put('u', { start: 0, end: 9 }, 3);
    first.writeMetadata({ checkpoint: { 'orders-changelog': 41n } });
    await first.close();
    expect(() => first.getStore('kv')).toThrow(/closed/);

    const again = provider(first.directory);
    expect(again.getKeyValueStore('kv').get('AAPL')).toEqual({ qty: 7n });
    expect(
      again
        .getWindowStore('dup')
        .fetchRange('o1', 0, 200)
        .map((e) => e.value),
    ).toEqual(['a', 'b']);
    again.getWindowStore<string, string>('dup').put('o1', 100, 'c');
    expect(
      again
        .getWindowStore('dup')
        .fetchRange('o1', 100, 100)
        .map((e) => e.value),
    ).toEqual(['a', 'b', 'c']);
    expect(again.getSessionStore('ses').findSessions('u', 0, 0)).toHaveLength(1);
    expect(again.readMetadata()).toEqual({ checkpoint: { 'orders-changelog': 41n } });
  });

  it('destroy() closes and deletes the task directory (the unclean-shutdown wipe)', async () => {
    const p = provider();
    p.getKeyValueStore<string, number>('kv').put('a', 1);
    await p.destroy();
    expect(existsSync(p.directory)).toBe(false);
    const fresh = provider(p.directory);
    expect(fresh.getKeyValueStore('kv').size).toBe(0);
    expect(fresh.readMetadata()).toBeUndefined();
  });

  it('empties a store whose name comes back with another layout (restore refills it)', async () => {
    const p = provider();
    p.getWindowStore<string, string>('win').put('k', 1, 'v');
    await p.close();
    const redefined: StoreDefinition[] = [
      { name: 'win', kind: 'keyValue', keySerde: utf8, valueSerde: jsonSerde() },
    ];
    const again = provider(p.directory, redefined);
    expect(again.getKeyValueStore('win').all()).toEqual([]);
  });

  it('range scans return ordered results without sorting: 20,000 random window puts', () => {
    const win = provider().getWindowStore<string, number>('win');
    for (let i = 0; i < 20_000; i++) win.put(`sym-${(i * 7_919) % 97}`, ((i * 104_729) % 20_000) * 10, i);
    const sort = vi.spyOn(Array.prototype, 'sort');
    const range = win.fetchRange('sym-5', 0, 200_000);
    const everything = win.all();
    expect(sort).not.toHaveBeenCalled();
    const starts = range.map((e) => e.key.window.start);
    expect(starts.length).toBeGreaterThan(100);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(everything).toHaveLength(20_000);
    const order = everything.map((e) => [Buffer.from(e.key.key), e.key.window.start] as const);
    for (let i = 1; i < order.length; i++) {
      const [pk, ps] = order[i - 1] as readonly [Buffer, number];
      const [k, s] = order[i] as readonly [Buffer, number];
      expect(Buffer.compare(pk, k) < 0 || (pk.equals(k) && ps < s)).toBe(true);
    }
  });

  it('retention walks only what expires (time index), also for restored and duplicate entries', async () => {
    const first = provider();
    const win = first.getWindowStore<string, number>('win');
    const dup = first.getWindowStore<string, string>('dup');
    for (let i = 0; i < 5_000; i++) win.put(`k${i % 50}`, Math.floor(i / 50) * 10, i); // starts 0…990
    dup.put('o', 5, 'a');
    dup.put('o', 5, 'b');
    dup.put('o', 500, 'c');
    const changes: (string | null)[] = [];
    win.onChange((_k, v) => changes.push(v === null ? null : 'put'));
    // Nothing expired: nothing is walked at all (the store's own database is not scanned).
    const scan = vi.spyOn(Object.getPrototypeOf((win as unknown as { db: object }).db), 'getKeys');
    expect(win.deleteBefore(0)).toBe(0);
    expect(scan.mock.calls.filter((c) => c[0] && Object.keys(c[0] as object).length === 0)).toEqual([]);
    expect(win.deleteBefore(500)).toBe(2_500); // 50 starts below 500 × 50 keys
    expect(changes).toEqual(Array(2_500).fill(null)); // a tombstone each, for the changelog
    expect(win.all().every((e) => e.key.window.start >= 500)).toBe(true);
    expect(dup.deleteBefore(6)).toBe(2); // both duplicates of (o, 5)
    expect(dup.all().map((e) => e.value)).toEqual(['c']);
    await first.close();
    // The index outlives a reopen and covers restored entries.
    const again = provider(first.directory);
    const win2 = again.getWindowStore<string, number>('win');
    win2.restore(Buffer.concat([Buffer.from('"late"'), Buffer.alloc(8)]), Buffer.from('1'));
    expect(win2.deleteBefore(1_000)).toBe(2_501);
    expect(win2.size).toBe(0);
  });

  it('transaction() commits all writes together; a throw aborts them', () => {
    const p = provider();
    const kv = p.getKeyValueStore<string, number>('kv');
    p.transaction(() => {
      for (let i = 0; i < 100; i++) kv.put(`k${i}`, i);
    });
    expect(kv.size).toBe(100);
    expect(() =>
      p.transaction(() => {
        kv.put('lost', 1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(kv.get('lost')).toBeUndefined();
  });

  it('lmdbStoreProvider places a task under <stateDir>/<applicationId>/<taskId> and refuses unsafe ids', async () => {
    const factory = lmdbStoreProvider({ stateDir: root, applicationId: 'orders' });
    const p = factory(CONTRACT_STORES, '0_3');
    open.push(p);
    expect(p.directory).toBe(join(root, 'orders', '0_3'));
    await p.flush();
    expect(() => lmdbTaskDirectory({ stateDir: root, applicationId: 'orders' }, '../x')).toThrow(
      /cannot name a state directory/,
    );
    expect(() => lmdbTaskDirectory({ stateDir: root, applicationId: '..' }, '0_1')).toThrow(/application id/);
  });
});
