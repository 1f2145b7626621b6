// Stable names for stages and stores (STYLE §2). An explicit name is validated at the DSL call; a
// generated one is `<PREFIX>-<counter>` with a 10-digit counter shared by every node and store of
// the builder. The counter advances for explicit names too, so naming (or renaming) one stage never
// renames the stages after it — state and internal topics stay attached to the same names.

import { TopologyError } from '../core/errors.js';

/** Characters allowed in names: they end up in Kafka topic names (`<app>-<NAME>-changelog`). */
const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;
const MAX_NAME_LENGTH = 180;

/**
 * Checks a user-given name; throws `TopologyError` naming what it was for.
 *
 * @example
 * validateName('enrich-fills', 'join'); // 'enrich-fills'
 * validateName('enrich fills', 'join'); // throws: invalid name 'enrich fills' for join: ...
 */
export function validateName(name: string, what: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new TopologyError(`invalid name for ${what}: a name must be a non-empty string`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new TopologyError(
      `invalid name '${name.slice(0, 40)}…' for ${what}: longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw new TopologyError(
      `invalid name '${name}' for ${what}: use only ASCII letters, digits, '.', '_' and '-' (names become parts of topic names)`,
    );
  }
  return name;
}

/** Hands out the names of one builder's nodes and stores. */
export class NameGenerator {
  private counter = 0;

  /** The name of a new node or store: `explicit` if given (validated), else `<prefix>-<counter>`. */
  next(prefix: string, explicit: string | undefined, what: string): string {
    const index = this.counter++;
    if (explicit !== undefined) return validateName(explicit, what);
    return `${prefix}-${String(index).padStart(10, '0')}`;
  }

  /** True for names `next` generated, and names derived from them (`COUNT-0000000004-store`). */
  static isGenerated(name: string): boolean {
    return /-\d{10}(-|$)/.test(name);
  }
}
