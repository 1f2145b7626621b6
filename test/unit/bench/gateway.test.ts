import { describe, expect, it } from 'vitest';
import { gatewayFigures, lastJsonObject } from '../../../bench/lib/gateway.js';

describe('gateway load report', () => {
  it('finds the pretty-printed JSON report among other output', () => {
    const stdout = [
      'gateway listening',
      '{"partial":',
      '{',
      '  "connections": { "requested": 1000, "open": 998 },',
      '  "deliveries": { "total": 20000, "perMinute": 120000 },',
      '  "latencyMs": { "p50": 3.2, "p99": 41.5 },',
      '  "gatewayHeap": { "peakDuringLoad": "182 MB", "peakRss": "301 MB" }',
      '}',
      'closing',
    ].join('\n');
    const raw = lastJsonObject(stdout)!;
    expect(gatewayFigures(raw, 'cmd')).toEqual({
      measured: true,
      connections: 998,
      deliveriesPerMinute: 120000,
      p50Ms: 3.2,
      p99Ms: 41.5,
      heapMiB: 182,
      rssMiB: 301,
      command: 'cmd',
      raw,
    });
  });

  it('says nothing rather than guessing', () => {
    expect(lastJsonObject('no json here\n{ broken')).toBeUndefined();
    const figures = gatewayFigures({ connections: { requested: 10 } }, 'cmd');
    expect(figures).toMatchObject({ connections: 10, deliveriesPerMinute: undefined, p99Ms: undefined });
  });
});
