// Operator time arguments: ISO-8601, relative, epoch ms; everything else refused with the option
// name and the accepted formats.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { parseDuration, parseTimeSpec } from '../../../runtime/ops/time-spec.js';

const now = Date.parse('2024-05-01T10:00:00.000Z');

describe('parseTimeSpec', () => {
  it.each([
    ['-15m', now - 15 * 60_000],
    ['-2h', now - 2 * 3_600_000],
    ['-1d', now - 86_400_000],
    ['-30s', now - 30_000],
    ['-500ms', now - 500],
    ['-1.5h', now - 5_400_000],
    ['-1w', now - 7 * 86_400_000],
    ['now', now],
    [' -15m ', now - 15 * 60_000],
  ])('reads relative %s', (spec, expected) => {
    expect(parseTimeSpec(spec, now)).toEqual({ epochMs: expected, relative: true });
  });

  it.each([
    ['2024-05-01T09:30:00Z', Date.parse('2024-05-01T09:30:00Z')],
    ['2024-05-01T09:30:00.250Z', Date.parse('2024-05-01T09:30:00.250Z')],
    ['2024-05-01T11:30:00+02:00', Date.parse('2024-05-01T09:30:00Z')],
    ['2024-05-01T11:30:00+0200', Date.parse('2024-05-01T09:30:00Z')],
    ['2024-05-01', Date.parse('2024-05-01T00:00:00Z')],
    // No offset: UTC, so the same command means the same instant on every machine.
    ['2024-05-01T09:30', Date.parse('2024-05-01T09:30:00Z')],
    ['2024-05-01 09:30:00', Date.parse('2024-05-01T09:30:00Z')],
    ['1714555800000', 1714555800000],
  ])('reads absolute %s', (spec, expected) => {
    expect(parseTimeSpec(spec, now)).toEqual({ epochMs: expected, relative: false });
  });

  it.each([
    '',
    'yesterday',
    '15m',
    '+15m',
    '-15',
    '-15x',
    '2024',
    '1714555800',
    'May 1 2024',
    '2024-13-45T99:99',
  ])('refuses %j naming the option and the formats', (spec) => {
    expect(() => parseTimeSpec(spec, now, 'from')).toThrow(ConfigError);
    expect(() => parseTimeSpec(spec, now, 'from')).toThrow(
      /invalid from .*ISO-8601.*-15m.*epoch milliseconds/,
    );
  });

  it('counts relative times back from the given instant, not the wall clock', () => {
    expect(parseTimeSpec('-1h', 0).epochMs).toBe(-3_600_000);
  });
});

describe('parseDuration', () => {
  it.each([
    ['1h', 3_600_000],
    ['15m', 900_000],
    ['30s', 30_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['2500', 2500],
  ])('reads %s', (spec, ms) => {
    expect(parseDuration(spec)).toBe(ms);
  });

  it.each(['0', '0s', '-1h', 'h', '1 hour', ''])('refuses %j', (spec) => {
    expect(() => parseDuration(spec, 'ttl')).toThrow(/invalid ttl/);
  });
});
