// Points in time as operators type them on the command line: ISO-8601 (`2024-05-01T09:30:00Z`),
// relative to now (`-15m`, `-2h`, `-1d`, `-30s`, `-500ms`, `now`) or epoch milliseconds
// (`1714555800000`). Parsed once, against an injected "now", so a replay's range does not drift
// while it runs and tests are deterministic.

import { ConfigError } from '../../core/errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const RELATIVE = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
// Epoch seconds would be 10 digits until 2286; requiring 11+ digits keeps `-15` or a year like
// `2024` from being read as a 1970 instant.
const EPOCH_MS = /^\d{11,}$/;
// A date, optionally with a time; anything `Date.parse` accepts beyond that (RFC 2822, "May 1") is
// refused because its meaning depends on the machine's locale and time zone.
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A parsed time and whether it depended on "now" (relative specs are not reproducible). */
export interface ResolvedTime {
  /** Epoch milliseconds. */
  epochMs: number;
  /** True for `now` and `-<n><unit>`. */
  relative: boolean;
}

/**
 * Parses an operator's time argument.
 *
 * @param spec ISO-8601, `now`, `-<n>(ms|s|m|h|d|w)` or epoch milliseconds
 * @param now the instant relative specs count back from, epoch ms @default Date.now()
 * @param option the option name for the error message @default "time"
 * @throws ConfigError naming the option and the accepted formats
 * @example
 * parseTimeSpec('-15m', Date.parse('2024-05-01T10:00:00Z')).epochMs // 2024-05-01T09:45:00Z
 */
export function parseTimeSpec(spec: string, now: number = Date.now(), option = 'time'): ResolvedTime {
  const text = spec.trim();
  if (text === 'now') return { epochMs: now, relative: true };
  const rel = RELATIVE.exec(text);
  if (rel) {
    return { epochMs: now - Math.round(Number(rel[1]) * UNIT_MS[rel[2]!]!), relative: true };
  }
  if (EPOCH_MS.test(text)) return { epochMs: Number(text), relative: false };
  if (ISO_8601.test(text)) {
    // A date-time without an offset is UTC here, not local time: the same command must mean the
    // same instant on an SRE's laptop and in a pod.
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
    const normalised = text.length === 10 || hasZone ? text : `${text.replace(' ', 'T')}Z`;
    const ms = Date.parse(normalised.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return { epochMs: ms, relative: false };
  }
  throw new ConfigError(
    `invalid ${option} '${spec}': use ISO-8601 (2024-05-01T09:30:00Z), a relative time ` +
      `(-15m, -2h, -1d, -30s, -500ms, now) or epoch milliseconds (1714555800000)`,
    { context: { configKey: option } },
  );
}

/**
 * Parses a duration such as `1h`, `15m`, `30s`, `7d`, `500ms` (or plain milliseconds) into ms.
 *
 * @throws ConfigError naming the option and the accepted formats
 * @example
 * parseDuration('1h') // 3_600_000
 */
export function parseDuration(spec: string, option = 'duration'): number {
  const text = spec.trim();
  const unit = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
  const ms = unit
    ? Math.round(Number(unit[1]) * UNIT_MS[unit[2]!]!)
    : /^\d+$/.test(text)
      ? Number(text)
      : NaN;
  if (Number.isFinite(ms) && ms > 0) return ms;
  throw new ConfigError(
    `invalid ${option} '${spec}': use a positive duration such as 30s, 15m, 1h, 7d or 500ms`,
    {
      context: { configKey: option },
    },
  );
}

/** Formats epoch ms as ISO-8601 UTC, for summaries and checkpoints. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
