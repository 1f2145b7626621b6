// Window definitions (Kafka Streams' TimeWindows, SessionWindows, JoinWindows): immutable values
// validated when created, so a negative size or an advance larger than the size is a
// `TopologyError` at the DSL call.

import { TopologyError } from '../core/errors.js';

/** When a windowed aggregation emits: every update, or once, the final result, when the window closes. */
export type EmitStrategy = 'onWindowUpdate' | 'onWindowClose';

function positive(what: string, ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0)
    throw new TopologyError(`${what} must be a positive number of ms, got ${ms}`);
  return ms;
}

function nonNegative(what: string, ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new TopologyError(`${what} must be >= 0 ms, got ${ms}`);
  return ms;
}

/**
 * Fixed-size windows aligned to the epoch: tumbling (advance = size) or hopping (advance < size).
 * A window `[start, start + size)` closes once stream time reaches `start + size + grace`.
 *
 * @example
 * TimeWindows.ofSizeAndGrace(60_000, 5_000)                 // 1-minute tumbling windows, 5 s grace
 * TimeWindows.ofSizeWithNoGrace(300_000).advanceBy(60_000) // 5-minute windows every minute
 */
export class TimeWindows {
  private constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs: number,
  ) {}

  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return new TimeWindows(positive('window size', sizeMs), sizeMs, 0);
  }

  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    return new TimeWindows(positive('window size', sizeMs), sizeMs, nonNegative('grace', graceMs));
  }

  /** Hopping windows: a new window every `advanceMs` (0 < advance <= size). */
  advanceBy(advanceMs: number): TimeWindows {
    positive('window advance', advanceMs);
    if (advanceMs > this.sizeMs) {
      throw new TopologyError(
        `window advance (${advanceMs} ms) must not exceed the window size (${this.sizeMs} ms)`,
      );
    }
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  get kind(): 'tumbling' | 'hopping' {
    return this.advanceMs === this.sizeMs ? 'tumbling' : 'hopping';
  }

  /** Starts of the windows containing `timestamp`, oldest first. */
  windowStartsFor(timestamp: number): number[] {
    const starts: number[] = [];
    const latest = timestamp - (((timestamp % this.advanceMs) + this.advanceMs) % this.advanceMs);
    for (let start = latest; start > timestamp - this.sizeMs; start -= this.advanceMs) {
      if (start >= 0) starts.unshift(start);
    }
    return starts;
  }

  toString(): string {
    const hop = this.kind === 'hopping' ? ` advance ${this.advanceMs}ms` : '';
    return `${this.kind} ${this.sizeMs}ms${hop} grace ${this.graceMs}ms`;
  }
}

/**
 * Session windows: records of a key less than `gapMs` apart share a session. A session
 * `[start, end]` closes once stream time reaches `end + gap + grace`.
 *
 * @example
 * SessionWindows.ofInactivityGapAndGrace(30_000, 5_000)
 */
export class SessionWindows {
  private constructor(
    readonly gapMs: number,
    readonly graceMs: number,
  ) {}

  static ofInactivityGapWithNoGrace(gapMs: number): SessionWindows {
    return new SessionWindows(positive('session gap', gapMs), 0);
  }

  static ofInactivityGapAndGrace(gapMs: number, graceMs: number): SessionWindows {
    return new SessionWindows(positive('session gap', gapMs), nonNegative('grace', graceMs));
  }

  toString(): string {
    return `session gap ${this.gapMs}ms grace ${this.graceMs}ms`;
  }
}

/**
 * How far apart two records of a stream–stream join may be: the other record's timestamp must lie
 * in `[ts - before, ts + after]`.
 *
 * @example
 * JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000) // within 5 s either way, 1 s grace
 */
export class JoinWindows {
  private constructor(
    readonly beforeMs: number,
    readonly afterMs: number,
    readonly graceMs: number,
  ) {}

  static ofTimeDifferenceWithNoGrace(differenceMs: number): JoinWindows {
    const d = nonNegative('join time difference', differenceMs);
    return new JoinWindows(d, d, 0);
  }

  static ofTimeDifferenceAndGrace(differenceMs: number, graceMs: number): JoinWindows {
    const d = nonNegative('join time difference', differenceMs);
    return new JoinWindows(d, d, nonNegative('grace', graceMs));
  }

  /** Only other records at most `ms` earlier. */
  before(ms: number): JoinWindows {
    return new JoinWindows(nonNegative('join before', ms), this.afterMs, this.graceMs);
  }

  /** Only other records at most `ms` later. */
  after(ms: number): JoinWindows {
    return new JoinWindows(this.beforeMs, nonNegative('join after', ms), this.graceMs);
  }

  /** How long a record must be kept to find every partner. */
  get retentionMs(): number {
    return this.beforeMs + this.afterMs + this.graceMs;
  }

  toString(): string {
    return `join before ${this.beforeMs}ms after ${this.afterMs}ms grace ${this.graceMs}ms`;
  }
}
