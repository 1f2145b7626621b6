import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BusError, ProcessingError, SerdeError } from '../../../core/errors.js';
import { operate } from '../../../processors/operate.js';
import { scheduler } from './support.js';

describe('operate', () => {
  it('turns a throw in user code into a ProcessingError naming the stage, on the error channel', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const op = operate<number, number>('BOOM-0000000001', (out) => ({
        next(v) {
          if (v === 2) throw new Error('bad value');
          out.emit(v * 10);
        },
      }));
      const error = new ProcessingError('user code threw: bad value', {
        context: { stage: 'BOOM-0000000001' },
      });
      expectObservable(cold('a-b-c|', { a: 1, b: 2, c: 3 }).pipe(op)).toBe('x-#', { x: 10 }, error);
    });
  });

  it('keeps the code of a BusError and fills in the stage', () => {
    const seen: unknown[] = [];
    const source = new Subject<number>();
    source
      .pipe(
        operate<number, number>('SINK-0000000004', () => ({
          next() {
            throw new SerdeError('SERDE_ENCODE', 'cannot encode');
          },
        })),
      )
      .subscribe({ error: (e) => seen.push(e) });
    source.next(1);
    const [error] = seen as BusError[];
    expect(error).toBeInstanceOf(SerdeError);
    expect(error?.code).toBe('SERDE_ENCODE');
    expect(error?.context.stage).toBe('SINK-0000000004');
  });

  it('runs finalize once on error, on unsubscribe and on completion', () => {
    const finalized: string[] = [];
    const make = (tag: string) =>
      operate<number, number>(tag, (out) => ({
        next(v) {
          if (v < 0) throw new Error('negative');
          out.emit(v);
        },
        finalize: () => finalized.push(tag),
      }));
    const s1 = new Subject<number>();
    s1.pipe(make('error')).subscribe({ error: () => {} });
    s1.next(-1);
    s1.next(-1);
    const s2 = new Subject<number>();
    s2.pipe(make('unsubscribe')).subscribe().unsubscribe();
    const s3 = new Subject<number>();
    s3.pipe(make('complete')).subscribe();
    s3.complete();
    expect(finalized).toEqual(['error', 'unsubscribe', 'complete']);
  });

  it('guard turns a throw in a timer callback into a stage error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const op = operate<number, number>('TIMER-0000000002', (out) => ({
        next(v) {
          out.guard(() => {
            if (v === 1) throw new Error('late');
          });
          out.emit(v);
        },
      }));
      const error = new ProcessingError('user code threw: late', { context: { stage: 'TIMER-0000000002' } });
      expectObservable(cold('a-b', { a: 0, b: 1 }).pipe(op)).toBe('a-#', { a: 0 }, error);
    });
  });

  it('gives each subscription its own state', () => {
    let created = 0;
    const op = operate<number, number>('STATE-0000000001', (out) => {
      created++;
      let sum = 0;
      return {
        next(v) {
          sum += v;
          out.emit(sum);
        },
      };
    });
    const source = new Subject<number>();
    const a: number[] = [];
    const b: number[] = [];
    source.pipe(op).subscribe((v) => a.push(v));
    source.next(1);
    source.pipe(op).subscribe((v) => b.push(v));
    source.next(2);
    expect(created).toBe(2);
    expect(a).toEqual([1, 3]);
    expect(b).toEqual([2]);
  });

  it('reports errors thrown while initialising', () => {
    const errors: unknown[] = [];
    new Subject<number>()
      .pipe(
        operate<number, number>('INIT-0000000001', () => {
          throw new BusError('STORE_FAILED', 'no store');
        }),
      )
      .subscribe({ error: (e) => errors.push(e) });
    expect((errors[0] as BusError).context.stage).toBe('INIT-0000000001');
  });
});
