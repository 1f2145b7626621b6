// Windowed inner, left and outer joins (marbles), with matched, unmatched and late records on each
// side, run against in-memory and LMDB stores: the join's output must not depend on the backend.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { type OuterJoinStore, outerJoinKeySerde } from '../../../processors/outerJoinStore.js';
import type { StreamRecord } from '../../../processors/record.js';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import { LmdbStoreProvider } from '../../../processors/stores/lmdbStoreProvider.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import type { StoreDefinition, StoreProvider } from '../../../processors/stores/types.js';
import { type JoinSide, streamStreamJoin } from '../../../processors/streamStreamJoin.js';
import { JoinWindows } from '../../../processors/windows.js';
import { rec, scheduler } from './support.js';

type Side = JoinSide<string, string, string>;
const L = (key: string, value: string, t: number): Side => ({ side: 'left', record: rec(key, value, t) });
const R = (key: string, value: string, t: number): Side => ({ side: 'right', record: rec(key, value, t) });
const show = (l: string | null, r: string | null) => `${l ?? '∅'}+${r ?? '∅'}`;

const keySerde = jsonSerde<string>();
const perRecord = {
  kind: 'window',
  keySerde,
  valueSerde: jsonSerde(),
  windowSizeMs: 1,
  retainDuplicates: true,
} as const;
const DEFS: StoreDefinition[] = [
  { name: 'this', ...perRecord },
  { name: 'other', ...perRecord },
  { name: 'outer', kind: 'keyValue', keySerde: outerJoinKeySerde(keySerde), valueSerde: jsonSerde() },
];
// before = after = 10 ms, grace 5 ms: a record at t waits for partners until stream time t + 15.
const WINDOWS = JoinWindows.ofTimeDifferenceAndGrace(10, 5);

const root = mkdtempSync(join(tmpdir(), 'tmbus-join-'));
const lmdb: LmdbStoreProvider[] = [];
afterAll(async () => {
  for (const p of lmdb) await p.close();
  rmSync(root, { recursive: true, force: true });
});
const backends: [string, () => StoreProvider][] = [
  ['in-memory', () => new InMemoryStoreProvider(DEFS)],
  [
    'LMDB',
    () => {
      const p = new LmdbStoreProvider(join(root, `join-${lmdb.length}`), DEFS);
      lmdb.push(p);
      return p;
    },
  ],
];

function stores(provider: StoreProvider) {
  return {
    leftStore: provider.getWindowStore<string, string>('this'),
    rightStore: provider.getWindowStore<string, string>('other'),
    outerStore: provider.getKeyValueStore('outer') as OuterJoinStore<string, string>,
    windows: WINDOWS,
  };
}

const out = (key: string, value: string, t: number): StreamRecord<string, string> => rec(key, value, t);

describe.each(backends)('streamStreamJoin on %s stores (marbles)', (_, create) => {
  it('inner: one entry per record, pairs only, late records dropped', () => {
    const provider = create();
    const s = stores(provider);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d-e', {
        a: L('k', 'a1', 100),
        b: L('k', 'a2', 100), // same key and time: both kept, both join
        c: R('k', 'x', 105),
        d: R('j', 'y', 120), // stream time 120
        e: L('k', 'late', 104), // 104 + 10 + 5 < 120: late
      });
      const joined = src.pipe(streamStreamJoin('JOIN-1', { ...s, joiner: (l, r) => show(l, r) }));
      expectObservable(joined).toBe('----(uv)', { u: out('k', 'a1+x', 105), v: out('k', 'a2+x', 105) });
    });
    expect(s.leftStore.fetchRange('k', 0, 200).map((e) => e.value)).toEqual(['a1', 'a2']);
  });

  it('left: matched pairs, a left record without partner once its window closes (or at once if it came after), right-only records never', () => {
    const provider = create();
    const s = stores(provider);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d-e-f-g-h-i', {
        a: L('k1', 'a', 100), // held, then matched by b
        b: R('k1', '1', 105),
        c: L('k2', 'c', 110), // never matched: emitted when stream time passes 125
        d: R('k3', '3', 112), // right without partner: a left join says nothing
        e: L('k1', 'e', 130), // stream time 130: closes c; e waits
        f: L('k9', 'late', 114), // 114 + 15 < 130: late, dropped
        g: R('k1', '2', 138), // matches e
        h: L('k4', 'h', 125), // not late (140 >= 138) but its window ended at 135: emitted at once
        i: R('k5', '5', 200), // stream time 200: nothing left to close (a and e were matched)
      });
      const joined = src.pipe(
        streamStreamJoin('LEFTJOIN-1', {
          ...s,
          type: 'left',
          joiner: (l: string, r: string | null) => show(l, r),
        }),
      );
      expectObservable(joined).toBe('--b-----e---g-h', {
        b: out('k1', 'a+1', 105),
        e: out('k2', 'c+∅', 110),
        g: out('k1', 'e+2', 138),
        h: out('k4', 'h+∅', 125),
      });
    });
    expect(s.outerStore.size).toBe(0);
  });

  it('outer: unmatched records of both sides in time order once closed, out-of-order ones at once', () => {
    const provider = create();
    const s = stores(provider);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d-e-f-g-h-i', {
        a: L('k1', 'a', 100), // matched by c
        b: R('k2', 'x', 104), // matched by d
        c: R('k1', '1', 108),
        d: L('k2', 'y', 112),
        e: R('k3', 'z', 113), // never matched
        f: L('k4', 'w', 114), // never matched
        g: L('k5', 'q', 140), // stream time 140 closes e and f (oldest first); g waits
        h: R('k6', 'late', 120), // 120 + 15 < 140: late, dropped
        i: R('k7', 'o', 128), // window ended at 138 < 140: emitted at once
      });
      const joined = src.pipe(streamStreamJoin('OUTERJOIN-1', { ...s, type: 'outer', joiner: show }));
      expectObservable(joined).toBe('----c-d-----(uv)i', {
        c: out('k1', 'a+1', 108),
        d: out('k2', 'y+x', 112),
        u: out('k3', '∅+z', 113),
        v: out('k4', 'w+∅', 114),
        i: out('k7', '∅+o', 128),
      });
    });
    expect(s.outerStore.all().map((e) => [e.key.key, e.value.value])).toEqual([['k5', 'q']]);
  });

  it('outer: unmatched records held before a restart are still emitted after it', () => {
    const provider = create();
    const s = stores(provider);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a', { a: L('k', 'before-restart', 100) });
      expectObservable(src.pipe(streamStreamJoin('OUTERJOIN-2', { ...s, type: 'outer', joiner: show }))).toBe(
        '-',
      );
    });
    // A new subscription starts with no stream time, as a restarted task does, over the same stores.
    scheduler().run(({ cold, expectObservable }) => {
      const src: Observable<Side> = cold('a', { a: R('j', 'later', 200) });
      expectObservable(src.pipe(streamStreamJoin('OUTERJOIN-2', { ...s, type: 'outer', joiner: show }))).toBe(
        'a',
        {
          a: out('k', 'before-restart+∅', 100),
        },
      );
    });
  });
});
