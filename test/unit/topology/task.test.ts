import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { BusError, SerdeError } from '../../../core/errors.js';
import type { RecordContext, Serde } from '../../../core/record.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import {
  type RawRecord,
  Serdes,
  type Task,
  TopologyBuilder,
  type TopologyPlan,
} from '../../../topology/index.js';

const key = Serdes.string();
interface Ev {
  header: { correlationId: string; eventType: string };
}
const ev = Serdes.json<Ev>();

function taskOf(
  plan: TopologyPlan,
  sub = 0,
  clock = new ManualClock(0),
): { task: Task; stores: InMemoryStoreProvider } {
  const stores = new InMemoryStoreProvider(plan.stores.filter((s) => s.subtopology === sub));
  const task = (plan.subtopologies[sub] as TopologyPlan['subtopologies'][number]).createTask({
    taskId: `${sub}_0`,
    partition: 0,
    clock,
    stores,
  });
  return { task, stores };
}

const raw = (topic: string, k: string | null, v: unknown, offset = 0, timestamp = 0): RawRecord => ({
  topic,
  partition: 0,
  offset,
  key: k === null ? null : Buffer.from(k),
  value: v === null ? null : Buffer.from(JSON.stringify(v)),
  timestamp,
  headers: {},
});

describe('Task contract', () => {
  it('process() returns the serialized outputs caused by the record, with timestamp and headers', () => {
    const b = new TopologyBuilder();
    b.stream('in', { key, value: Serdes.json<number>() })
      .mapValues((n) => n * 2, { valueSerde: Serdes.json<number>() })
      .to('out');
    const { task } = taskOf(b.build({ applicationId: 'app' }));
    const result = task.process({
      ...raw('in', 'k', 21, 7, 1234),
      headers: { traceparent: Buffer.from('00-abc') },
    });
    expect(result).toEqual({
      outputs: [
        {
          topic: 'out',
          key: Buffer.from('k'),
          value: Buffer.from('42'),
          timestamp: 1234,
          headers: { traceparent: Buffer.from('00-abc') },
        },
      ],
    });
  });

  it('stream sources skip null values; table sources treat them as deletes', () => {
    const b = new TopologyBuilder();
    b.stream('in', { key, value: Serdes.json<number>() }).to('out');
    b.table('tbl', { key, value: Serdes.json<number>(), store: 'tbl-store' });
    const plan = b.build({ applicationId: 'app' });
    expect(plan.subtopologies.map((s) => s.sourceTopics)).toEqual([['in'], ['tbl']]);
    expect(taskOf(plan).task.process(raw('in', 'k', null)).outputs).toEqual([]);
    const { task, stores } = taskOf(plan, 1);
    task.process(raw('tbl', 'k', 5));
    expect(stores.getKeyValueStore('tbl-store').get('k')).toBe(5);
    task.process(raw('tbl', 'k', null, 1));
    expect(stores.getKeyValueStore('tbl-store').get('k')).toBeUndefined();
  });

  it('returns a SerdeError naming the source with topic/partition/offset for bad bytes', () => {
    const b = new TopologyBuilder();
    b.stream('in', { key, value: Serdes.json<number>(), name: 'numbers' }).to('out');
    const { task } = taskOf(b.build({ applicationId: 'app' }));
    const { outputs, error } = task.process({ ...raw('in', 'k', 1, 9), value: Buffer.from('{oops') });
    expect(outputs).toEqual([]);
    expect(error).toBeInstanceOf(SerdeError);
    expect(error?.code).toBe('SERDE_DECODE');
    expect(error?.context).toMatchObject({ stage: 'numbers', topic: 'in', partition: 0, offset: 9 });
  });

  it('refuses records of topics it does not read, and records after close()', () => {
    const b = new TopologyBuilder();
    b.stream('in', { key, value: Serdes.json<number>() }).to('out');
    const { task } = taskOf(b.build({ applicationId: 'app' }));
    const { error } = task.process(raw('other', 'k', 1));
    expect(error?.message).toBe("task 0_0 has no source for topic 'other'");
    expect(error?.context).toMatchObject({ topic: 'other', partition: 0, offset: 0 });
    task.close();
    expect(task.process(raw('in', 'k', 1)).error?.code).toBe('PROCESSING_FAILED');
  });

  it('delivers punctuation outputs to onPunctuate listeners, re-arms timers after a failure, and close() cancels them', () => {
    const b = new TopologyBuilder();
    const events = b.stream('in', { key, value: ev });
    events
      .filter(
        (e) => {
          if (e.header.eventType === 'BOOM') throw new Error('boom');
          return true;
        },
        { name: 'guard' },
      )
      .correlate({ name: 'chains', inactivityTimeoutMs: 1_000, complete: () => false, repartition: false })
      .to('out');
    const clock = new ManualClock(0);
    const { task } = taskOf(b.build({ applicationId: 'app' }), 0, clock);
    const punctuated: string[] = [];
    task.onPunctuate((outputs, error) => {
      punctuated.push(...outputs.map((o) => `${o.topic}:${o.key?.toString()}`));
      if (error) punctuated.push(`error:${error.context.stage}`);
    });
    expect(
      task.process(raw('in', 'c1', { header: { correlationId: 'c1', eventType: 'A' } })).outputs,
    ).toEqual([]);
    clock.advance(500);
    const failed = task.process(raw('in', 'c2', { header: { correlationId: 'c2', eventType: 'BOOM' } }, 1));
    expect(failed.error?.context.stage).toBe('guard');
    clock.advance(500);
    expect(punctuated).toEqual(['out:c1']);
    task.process(raw('in', 'c3', { header: { correlationId: 'c3', eventType: 'A' } }, 2));
    task.close();
    clock.advance(5_000);
    expect(punctuated).toEqual(['out:c1']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('async serde preparation', () => {
  /** A serde that, like the Avro serde, must fetch something before it can decode unknown bytes. */
  function preparableSerde() {
    const known = new Set<string>();
    let prepares = 0;
    const serde: Serde<string> & {
      prepare(bytes: Buffer, ctx?: RecordContext): Promise<void>;
      isPrepared(bytes: Buffer): boolean;
    } = {
      name: 'remote',
      serialize: (v) => Buffer.from(v),
      deserialize: (bytes) => {
        if (!known.has(bytes.toString()))
          throw new SerdeError('SERDE_UNKNOWN_SCHEMA', 'not prepared', { retriable: true });
        return bytes.toString().toUpperCase();
      },
      isPrepared: (bytes) => known.has(bytes.toString()),
      prepare: async (bytes) => {
        prepares++;
        await new Promise((r) => setTimeout(r, 1));
        known.add(bytes.toString());
      },
    };
    return { serde, prepares: () => prepares };
  }

  it('Task.prepare returns undefined when nothing is needed and a promise otherwise', async () => {
    const { serde, prepares } = preparableSerde();
    const b = new TopologyBuilder();
    b.stream('in', { key, value: serde }).to('out', { value: Serdes.string() });
    const { task } = taskOf(b.build({ applicationId: 'app' }));
    const record: RawRecord = { ...raw('in', 'k', null), value: Buffer.from('abc') };
    expect(task.process(record).error?.code).toBe('SERDE_UNKNOWN_SCHEMA');
    const pending = task.prepare?.(record);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(task.prepare?.(record)).toBeUndefined();
    expect(task.process(record).outputs[0]?.value).toEqual(Buffer.from('ABC'));
    expect(prepares()).toBe(1);
  });

  it('the driver explains pipeInputAsync, which awaits the preparation', async () => {
    const { serde } = preparableSerde();
    const b = new TopologyBuilder();
    b.stream('in', { key, value: serde }).to('out', { value: Serdes.string() });
    const driver = new TopologyTestDriver(b.build({ applicationId: 'app' }));
    const input = driver.createInputTopic('in', key, Serdes.string());
    expect(() => input.pipeInput('k', 'abc')).toThrow(BusError);
    await input.pipeInputAsync('k', 'xyz');
    expect(driver.createOutputTopic('out', key, Serdes.string()).readValuesToList()).toEqual(['ABC', 'XYZ']);
  });
});
