// The fused path (topology/fused.ts): a sub-topology made only of `operate` stages runs as direct
// calls, and must behave exactly like the RxJS pipeline it replaces. Each case runs the same records
// through two tasks of the same topology — one fused, one kept on RxJS by an identity `pipe()` right
// after the source (a user operator cannot be fused) — and compares everything they return.
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import type { fuse } from '../../../topology/fused.js';
import {
  type KStream,
  type RawRecord,
  Serdes,
  TopologyBuilder,
  type TopologyPlan,
} from '../../../topology/index.js';
import type { PipelineTask } from '../../../topology/task.js';

const key = Serdes.string();
const num = Serdes.json<number>();

function taskOf(plan: TopologyPlan, clock = new ManualClock(0)) {
  const sub = plan.subtopologies[0]!;
  const stores = new InMemoryStoreProvider(plan.stores.filter((s) => s.subtopology === 0));
  return sub.createTask({ taskId: '0_0', partition: 0, clock, stores });
}

const raw = (k: string, v: number, offset: number): RawRecord => ({
  topic: 'in',
  partition: 0,
  offset,
  key: Buffer.from(k),
  value: Buffer.from(JSON.stringify(v)),
  timestamp: offset,
  headers: {},
});

/** The same topology twice: as built (fused) and behind an identity `pipe` (RxJS). */
function both(shape: (s: KStream<string, number>) => void) {
  const fusedBuilder = new TopologyBuilder();
  shape(fusedBuilder.stream('in', { key, value: num }));
  const rxBuilder = new TopologyBuilder();
  shape(rxBuilder.stream('in', { key, value: num }).pipe(map((r) => r)) as KStream<string, number>);
  const fused = taskOf(fusedBuilder.build({ applicationId: 'app' }));
  const rx = taskOf(rxBuilder.build({ applicationId: 'app' }));
  expect((fused as unknown as { fused?: unknown }).fused).toBeDefined();
  expect((rx as unknown as { fused?: unknown }).fused).toBeUndefined();
  return { fused, rx };
}

const decoded = (outputs: { topic: string; value: Buffer | null }[]) =>
  outputs.map((o) => `${o.topic}:${o.value?.toString()}`);

describe('fused sub-topologies', () => {
  it('route, filter, transform and fan-out emit the same outputs in the same order as RxJS', () => {
    const { fused, rx } = both((s) => {
      const routes = s
        .split()
        .branch('small', (v) => v < 10)
        .defaultBranch('large');
      routes.small
        .filter((v) => v % 2 === 0)
        .mapValues((v) => v * 100, { valueSerde: num })
        .to('evens');
      routes.small.to('all-small', { value: num });
      routes.large.peek(() => undefined).to('large', { value: num });
      s.mapValues((v) => -v, { valueSerde: num }).to('negated');
    });
    for (let i = 0; i < 30; i++) {
      const record = raw(`k${i % 3}`, (i * 7) % 23, i);
      const a = fused.process(record);
      const b = rx.process(record);
      expect(decoded(a.outputs)).toEqual(decoded(b.outputs));
      expect(a.outputs).toEqual(b.outputs);
      expect(a.error).toBeUndefined();
    }
  });

  it('a stage that throws fails the record with the same stage name and code, and the task goes on', () => {
    const { fused, rx } = both((s) =>
      s
        .mapValues(
          (v) => {
            if (v === 13) throw new Error('unlucky');
            return v + 1;
          },
          { name: 'plus-one', valueSerde: num },
        )
        .to('out'),
    );
    for (const [i, v] of [1, 13, 2].entries()) {
      const a = fused.process(raw('k', v, i));
      const b = rx.process(raw('k', v, i));
      expect(decoded(a.outputs)).toEqual(decoded(b.outputs));
      expect(a.error?.code).toBe(b.error?.code);
      expect(a.error?.context.stage).toBe(b.error?.context.stage);
      expect(a.error === undefined).toBe(v !== 13);
      if (a.error) expect(a.error.context.offset).toBe(i);
    }
    expect(decoded(fused.process(raw('k', 5, 3)).outputs)).toEqual(['out:6']); // rewired, alive
  });

  it('stateful stages keep their store and timers across the fused path', () => {
    const { fused, rx } = both((s) =>
      s.groupByKey().count({ store: 'counts' }).toStream().to('counts-out', { value: Serdes.json<number>() }),
    );
    for (let i = 0; i < 6; i++) {
      const a = fused.process(raw(`k${i % 2}`, i, i));
      const b = rx.process(raw(`k${i % 2}`, i, i));
      expect(decoded(a.outputs)).toEqual(decoded(b.outputs));
    }
  });

  it('a repartition sink drops records whose new key is null, fused as on RxJS', () => {
    const { fused, rx } = both((s) =>
      s
        .selectKey((v) => (v % 2 === 0 ? String(v) : (null as unknown as string)), { keySerde: key })
        .groupByKey({ value: num })
        .count({ store: 'by-new-key' }),
    );
    for (let i = 0; i < 4; i++) {
      const a = fused.process(raw('k', i, i));
      const b = rx.process(raw('k', i, i));
      // The identity pipe shifts node numbers, so the repartition topics' names differ.
      const bare = (r: typeof a) => r.outputs.map(({ topic: _, ...o }) => o);
      expect(bare(a)).toEqual(bare(b));
      expect(a.error).toBeUndefined();
      expect(a.outputs.map((o) => o.key?.toString())).toEqual(i % 2 === 0 ? [String(i)] : []);
      for (const o of a.outputs) expect(o.topic).toMatch(/-repartition$/);
    }
  });

  it('is not used for a stage that is not an operate stage (merge), and a closed graph emits nothing', () => {
    const merged = new TopologyBuilder();
    const a = merged.stream('a', { key, value: num });
    a.merge(merged.stream('b', { key, value: num })).to('out');
    const plan = merged.build({ applicationId: 'app' });
    expect((taskOf(plan) as unknown as { fused?: unknown }).fused).toBeUndefined();

    const simple = new TopologyBuilder();
    simple.stream('in', { key, value: num }).to('out');
    const task = taskOf(simple.build({ applicationId: 'app' })) as PipelineTask;
    const emitted: unknown[] = [];
    task.onPunctuate((outputs) => emitted.push(...outputs)); // what is emitted outside process()
    const graph = (task as unknown as { fused: NonNullable<ReturnType<typeof fuse>> }).fused;
    const record = { key: 'k', value: 1, timestamp: 0, headers: {} } as never;
    graph.inputs.get('in')!(record);
    expect(emitted).toHaveLength(1); // the graph reaches the sink directly
    graph.close();
    graph.inputs.get('in')!(record);
    expect(emitted).toHaveLength(1); // nothing reaches any sink after close
  });
});
