import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../../core/errors.js';
import { filter } from '../../../processors/filter.js';
import { filterNot } from '../../../processors/filterNot.js';
import { flatMap } from '../../../processors/flatMap.js';
import { flatMapValues } from '../../../processors/flatMapValues.js';
import { map } from '../../../processors/map.js';
import { mapValues } from '../../../processors/mapValues.js';
import { peek } from '../../../processors/peek.js';
import { selectKey } from '../../../processors/selectKey.js';
import { selectBranch, split } from '../../../processors/split.js';
import { transform } from '../../../processors/transform.js';
import { rec, scheduler } from './support.js';

const a = rec('AAPL', 5, 1);
const b = rec('MSFT', 50, 2);
const c = rec('AAPL', 500, 3);

describe('stateless processors (marbles)', () => {
  it('filter keeps matching records, filterNot the others', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c|', { a, b, c });
      expectObservable(src.pipe(filter('FILTER-0000000001', (v: number) => v > 10))).toBe('--b-c|', { b, c });
      expectObservable(src.pipe(filterNot('FILTER-0000000002', (v: number) => v > 10))).toBe('a----|', { a });
    });
  });

  it('filter reports a throwing predicate as a stage error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const boom = (v: number) => {
        if (v === 50) throw new Error('cannot judge');
        return true;
      };
      const error = new ProcessingError('user code threw: cannot judge', {
        context: { stage: 'FILTER-0000000003' },
      });
      expectObservable(cold('a-b-c|', { a, b, c }).pipe(filter('FILTER-0000000003', boom))).toBe(
        'a-#',
        { a },
        error,
      );
    });
  });

  it('map, mapValues and selectKey replace key and/or value, keeping timestamp and headers', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b|', { a, b });
      expectObservable(
        src.pipe(map('MAP-0000000001', (k: string, v: number) => ({ key: v, value: k.toLowerCase() }))),
      ).toBe('x-y|', { x: rec(5, 'aapl', 1), y: rec(50, 'msft', 2) });
      expectObservable(
        src.pipe(mapValues('MAPVALUES-0000000002', (v: number, k: string) => `${k}:${v}`)),
      ).toBe('x-y|', {
        x: rec('AAPL', 'AAPL:5', 1),
        y: rec('MSFT', 'MSFT:50', 2),
      });
      expectObservable(src.pipe(selectKey('KEY-SELECT-0000000003', (v: number) => v % 2 === 0))).toBe(
        'x-y|',
        {
          x: rec(false, 5, 1),
          y: rec(true, 50, 2),
        },
      );
    });
  });

  it('flatMap and flatMapValues emit zero or more records in order', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-----b-----|', { a, b: rec('MSFT', 0, 2) });
      expectObservable(
        src.pipe(
          flatMap('FLATMAP-0000000001', (k: string, v: number) =>
            Array.from({ length: v > 0 ? 2 : 0 }, (_, i) => ({ key: `${k}-${i}`, value: v + i })),
          ),
        ),
      ).toBe('(xy)--------|', { x: rec('AAPL-0', 5, 1), y: rec('AAPL-1', 6, 1) });
      expectObservable(src.pipe(flatMapValues('FLATMAPVALUES-0000000002', (v: number) => [v, -v]))).toBe(
        '(xy)--(zw)--|',
        {
          x: rec('AAPL', 5, 1),
          y: rec('AAPL', -5, 1),
          z: rec('MSFT', 0, 2),
          w: rec('MSFT', -0, 2),
        },
      );
    });
  });

  it('peek runs the side effect and forwards the record unchanged', () => {
    const seen: string[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a-b|', { a, b }).pipe(peek('PEEK-0000000001', (_v, k: string) => seen.push(k))),
      ).toBe('a-b|', { a, b });
    });
    expect(seen).toEqual(['AAPL', 'MSFT']);
  });

  it('split tags each record with its first matching branch; selectBranch picks one', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const tagged = cold('a-b-c|', { a, b, c }).pipe(
        split('SPLIT-0000000001', [(v: number) => v >= 500, (v: number) => v >= 50], true),
      );
      expectObservable(tagged).toBe('x-y-z|', {
        x: { branch: 2, record: a },
        y: { branch: 1, record: b },
        z: { branch: 0, record: c },
      });
      expectObservable(tagged.pipe(selectBranch('SPLIT-0000000001-large', 0))).toBe('----c|', { c });
      expectObservable(tagged.pipe(selectBranch('SPLIT-0000000001-rest', 2))).toBe('a----|', { a });
    });
  });

  it('split without a default branch drops records matching no branch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a-b|', { a, b }).pipe(split('SPLIT-0000000002', [(v: number) => v > 10], false)),
      ).toBe('--y|', { y: { branch: 0, record: b } });
    });
  });

  it('transform converts values and drops those with no counterpart', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const toUsd = (v: number, k: string) => (k === 'MSFT' ? null : { symbol: k, usd: v * 2 });
      expectObservable(cold('a-b-c|', { a, b, c }).pipe(transform('TRANSFORM-0000000001', toUsd))).toBe(
        'a---c|',
        {
          a: rec('AAPL', { symbol: 'AAPL', usd: 10 }, 1),
          c: rec('AAPL', { symbol: 'AAPL', usd: 1000 }, 3),
        },
      );
    });
  });
});
