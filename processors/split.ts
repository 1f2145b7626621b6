// `split` and `selectBranch`: content routing. `split` evaluates the branch predicates once per
// record, in order, and tags the record with the first branch that matches (or the default
// branch); each branch is then a `selectBranch` on the shared tagged stream. Records matching no
// branch, when there is no default branch, are dropped.

import type { OperatorFunction } from 'rxjs';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';

/** A record tagged with the index of the branch it goes to. */
export interface BranchedRecord<K, V> {
  readonly branch: number;
  readonly record: StreamRecord<K, V>;
}

/**
 * Tags each record with the index of the first predicate it satisfies; with `withDefault`, records
 * matching none go to index `predicates.length`.
 *
 * @example
 * const tagged$ = source$.pipe(split('SPLIT-0000000001', [(o) => o.payload.quantity > 10_000], true));
 * const large$ = tagged$.pipe(selectBranch('SPLIT-0000000001-large', 0));
 */
export function split<K, V>(
  stage: string,
  predicates: readonly ((value: V, key: K) => boolean)[],
  withDefault: boolean,
): OperatorFunction<StreamRecord<K, V>, BranchedRecord<K, V>> {
  return operate(stage, (out) => ({
    next(record) {
      for (let i = 0; i < predicates.length; i++) {
        if ((predicates[i] as (value: V, key: K) => boolean)(record.value, record.key)) {
          out.emit({ branch: i, record });
          return;
        }
      }
      if (withDefault) out.emit({ branch: predicates.length, record });
    },
  }));
}

/** The records of one branch of a `split`. */
export function selectBranch<K, V>(
  stage: string,
  branch: number,
): OperatorFunction<BranchedRecord<K, V>, StreamRecord<K, V>> {
  return operate(stage, (out) => ({
    next(tagged) {
      if (tagged.branch === branch) out.emit(tagged.record);
    },
  }));
}
