// Content-based filtering (SPEC §4.1): a subscriber's preferences as a where-clause object —
// dotted field paths mapped to a literal or to comparison operators, combined with `$and`, `$or`,
// `$not` — compiled once into a predicate. Paths and operand types are checked against the stream's
// value type at compile time; a clause that arrives as JSON is checked when compiled, so a bad
// operator is a `TopologyError` at the DSL call, never a surprise per record.

import type { OperatorFunction } from 'rxjs';
import { TopologyError } from '../core/errors.js';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';

type Leaf = string | number | bigint | boolean | null | undefined | Buffer | Date | readonly unknown[];
type Depth = [never, 0, 1, 2, 3, 4];

/** Dotted paths of the fields of `T`, four levels deep (distributes over unions). */
export type Paths<T, D extends number = 4> = [D] extends [never]
  ? never
  : T extends Leaf
    ? never
    : T extends object
      ? {
          [P in keyof T & string]:
            | P
            | (Paths<NonNullable<T[P]>, Depth[D]> extends infer S extends string ? `${P}.${S}` : never);
        }[keyof T & string]
      : never;

/** The type of the field at dotted path `P` of `T`. */
export type PathValue<T, P extends string> = T extends unknown
  ? P extends `${infer H}.${infer R}`
    ? H extends keyof T
      ? PathValue<NonNullable<T[H]>, R>
      : never
    : P extends keyof T
      ? T[P]
      : never
  : never;

/** Comparison operators on one field. All given operators must hold. */
export interface Operators<T> {
  eq?: T;
  ne?: T;
  in?: readonly T[];
  nin?: readonly T[];
  gt?: T;
  gte?: T;
  lt?: T;
  lte?: T;
  /** The field is present (not undefined or null). */
  exists?: boolean;
  /** String fields: starts with. */
  prefix?: string;
}

/** A literal (equality) or operators. */
export type Condition<T> = T | Operators<T>;

/**
 * A where-clause over values of type `V`.
 *
 * @example
 * const prefs: Where<OrderEvent> = {
 *   'payload.symbol': { in: ['AAPL', 'MSFT'] },
 *   'payload.quantity': { gte: 100 },
 *   $not: { 'header.source': 'replay' },
 * };
 */
export type Where<V> = { [P in Paths<V>]?: Condition<PathValue<V, P>> } & {
  $and?: readonly Where<V>[];
  $or?: readonly Where<V>[];
  $not?: Where<V>;
};

const OPERATORS = new Set(['eq', 'ne', 'in', 'nin', 'gt', 'gte', 'lt', 'lte', 'exists', 'prefix']);

type Test = (value: unknown) => boolean;

function isOperatorObject(c: unknown): c is Record<string, unknown> {
  return (
    c !== null && typeof c === 'object' && !Array.isArray(c) && !Buffer.isBuffer(c) && !(c instanceof Date)
  );
}

function same(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    return compare(a, b) === 0;
  }
  return a === b;
}

function compare(a: unknown, b: unknown): number | undefined {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function operatorTest(path: string, op: string, operand: unknown): Test {
  const ordered = (accept: (c: number) => boolean): Test => {
    return (v) => {
      const c = compare(v, operand);
      return c !== undefined && accept(c);
    };
  };
  switch (op) {
    case 'eq':
      return (v) => same(v, operand);
    case 'ne':
      return (v) => !same(v, operand);
    case 'in':
    case 'nin': {
      if (!Array.isArray(operand)) throw new TopologyError(`where: '${path}.${op}' needs an array`);
      const list = operand as unknown[];
      return op === 'in' ? (v) => list.some((x) => same(v, x)) : (v) => !list.some((x) => same(v, x));
    }
    case 'gt':
      return ordered((c) => c > 0);
    case 'gte':
      return ordered((c) => c >= 0);
    case 'lt':
      return ordered((c) => c < 0);
    case 'lte':
      return ordered((c) => c <= 0);
    case 'exists':
      return (v) => (v !== undefined && v !== null) === Boolean(operand);
    case 'prefix':
      if (typeof operand !== 'string') throw new TopologyError(`where: '${path}.prefix' needs a string`);
      return (v) => typeof v === 'string' && v.startsWith(operand);
    default:
      throw new TopologyError(
        `where: unknown operator '${op}' on '${path}' (accepted: ${[...OPERATORS].join(', ')})`,
      );
  }
}

function fieldTest(path: string, condition: unknown): Test {
  const segments = path.split('.');
  const read = (value: unknown): unknown => {
    let current = value;
    for (const s of segments) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<string, unknown>)[s];
    }
    return current;
  };
  const tests: Test[] = isOperatorObject(condition)
    ? Object.entries(condition).map(([op, operand]) => operatorTest(path, op, operand))
    : [(v) => same(v, condition)];
  return (value) => {
    const field = read(value);
    return tests.every((t) => t(field));
  };
}

/**
 * Compiles a where-clause into a predicate. Throws `TopologyError` on an unknown operator or a
 * malformed operand.
 *
 * @example
 * const wanted = compileWhere<OrderEvent>({ 'payload.side': 'BUY' });
 * wanted(order); // true for buy orders
 */
export function compileWhere<V>(clause: Where<V>): (value: V) => boolean {
  if (!isOperatorObject(clause)) throw new TopologyError('where: the clause must be an object');
  const tests: Test[] = [];
  for (const [key, condition] of Object.entries(clause as Record<string, unknown>)) {
    if (condition === undefined) continue;
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(condition)) throw new TopologyError(`where: '${key}' needs an array of clauses`);
      const parts = condition.map((c) => compileWhere<V>(c as Where<V>));
      tests.push(key === '$and' ? (v) => parts.every((p) => p(v as V)) : (v) => parts.some((p) => p(v as V)));
    } else if (key === '$not') {
      const inner = compileWhere<V>(condition as Where<V>);
      tests.push((v) => !inner(v as V));
    } else if (key.startsWith('$')) {
      throw new TopologyError(`where: unknown combinator '${key}' (accepted: $and, $or, $not)`);
    } else {
      tests.push(fieldTest(key, condition));
    }
  }
  return (value) => tests.every((t) => t(value));
}

/**
 * Keeps the records whose value matches the where-clause (compiled once, when called).
 *
 * @example
 * source$.pipe(where('WHERE-0000000003', { 'payload.symbol': { in: ['AAPL'] } }))
 */
export function where<K, V>(
  stage: string,
  clause: Where<V>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<K, V>> {
  const matches = compileWhere(clause);
  return operate(stage, (out) => ({
    next(record) {
      if (matches(record.value)) out.emit(record);
    },
  }));
}
