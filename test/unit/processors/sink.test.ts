import { describe, expect, it } from 'vitest';
import { SerdeError } from '../../../core/errors.js';
import type { Serde } from '../../../core/record.js';
import { sink } from '../../../processors/sink.js';
import { jsonSerde } from '../../../processors/stores/jsonSerde.js';
import { rec, scheduler } from './support.js';

const str: Serde<string> = {
  name: 'string',
  serialize: (v) => Buffer.from(v),
  deserialize: (b) => b.toString(),
};

describe('sink (marbles)', () => {
  it('serializes key and value for a fixed or extracted topic; null value is a tombstone', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b|', { a: rec('AAPL', { lane: 'high' }, 7), b: rec('MSFT', null, 8) });
      const op = sink<string, { lane: string } | null>('SINK-0000000001', {
        topic: (v) => `tm.lane.${v?.lane ?? 'standard'}`,
        keySerde: str,
        valueSerde: jsonSerde(),
      });
      expectObservable(src.pipe(op)).toBe('x-y|', {
        x: {
          topic: 'tm.lane.high',
          key: Buffer.from('AAPL'),
          value: Buffer.from('{"lane":"high"}'),
          timestamp: 7,
          headers: {},
        },
        y: { topic: 'tm.lane.standard', key: Buffer.from('MSFT'), value: null, timestamp: 8, headers: {} },
      });
    });
  });

  it('a serializer failure keeps its code and names the sink', () => {
    const failing: Serde<string> = {
      name: 'failing',
      serialize: () => {
        throw new SerdeError('SERDE_ENCODE', 'field price missing');
      },
      deserialize: () => '',
    };
    const errors: SerdeError[] = [];
    scheduler().run(({ cold }) => {
      cold('a', { a: rec('k', 'v') })
        .pipe(sink('SINK-0000000002', { topic: 't', keySerde: str, valueSerde: failing }))
        .subscribe({ error: (e) => errors.push(e) });
    });
    expect(errors[0]?.code).toBe('SERDE_ENCODE');
    expect(errors[0]?.context.stage).toBe('SINK-0000000002');
  });
});
