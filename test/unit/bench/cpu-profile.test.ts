import { describe, expect, it } from 'vitest';
import { areaOf, summarizeProfile } from '../../../bench/lib/cpu-profile.js';

const root = '/repo';
const frame = (id: number, functionName: string, url: string, hitCount: number) => ({
  id,
  callFrame: { functionName, url, lineNumber: 9 },
  hitCount,
});

describe('CPU profile summary', () => {
  it('sorts code into areas', () => {
    expect(areaOf('file:///repo/runtime/engine/streams-runtime.ts', 'drainSlice', root)).toBe(
      'ours: runtime/',
    );
    expect(areaOf('file:///repo/node_modules/avsc/lib/types.js', 'read', root)).toBe('avsc');
    expect(areaOf('file:///repo/node_modules/@scope/pkg/x.js', 'f', root)).toBe('@scope/pkg');
    expect(areaOf('node:internal/timers', 'listOnTimeout', root)).toBe('node internals / builtins');
    expect(areaOf('', '(garbage collector)', root)).toBe('GC');
  });

  it('gives self time as a share of non-idle samples, from time deltas when present', () => {
    const profile = {
      nodes: [
        frame(1, '(root)', '', 0),
        frame(2, '(idle)', '', 0),
        frame(3, 'decode', 'file:///repo/schemas/decode.ts', 0),
        frame(4, 'produce', 'file:///repo/node_modules/node-rdkafka/lib/producer.js', 0),
        frame(5, '(garbage collector)', '', 0),
      ],
      // samples[i] lasted timeDeltas[i + 1]
      samples: [2, 3, 3, 4, 5, 2],
      timeDeltas: [0, 1000, 300, 200, 100, 100],
    };
    const s = summarizeProfile(profile, 'x.cpuprofile', root);
    // non-idle: decode 300 + 200, produce 100, GC 100 = 700
    expect(s.top[0]).toEqual({ functionName: 'decode', location: 'schemas/decode.ts:10', selfPercent: 71.4 });
    expect(s.byArea).toEqual([
      { area: 'ours: schemas/', selfPercent: 71.4 },
      { area: 'node-rdkafka', selfPercent: 14.3 },
      { area: 'GC', selfPercent: 14.3 },
    ]);
  });

  it('falls back to hit counts', () => {
    const s = summarizeProfile(
      { nodes: [frame(1, 'a', 'file:///repo/topology/task.ts', 3), frame(2, 'b', 'node:events', 1)] },
      'y',
      root,
    );
    expect(s.top.map((f) => [f.functionName, f.selfPercent])).toEqual([
      ['a', 75],
      ['b', 25],
    ]);
  });
});
