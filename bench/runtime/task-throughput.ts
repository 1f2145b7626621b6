// CPU cost of the benchmark topology without Kafka: Avro decode → route → filter → transform →
// Avro encode through one task, synchronously. The ceiling of what one runtime core can do; run
// with `node --import tsx bench/runtime/task-throughput.ts [--cpu-prof]`.

import { performance } from 'node:perf_hooks';
import { ManualClock } from '../../core/clock.js';
import { InMemoryStoreProvider } from '../../processors/stores/storeProvider.js';
import { CATALOG } from '../../schemas/catalog.js';
import { familySerde, InMemorySchemaRegistry, sampleEvent } from '../../schemas/index.js';
import type { RawRecord } from '../../topology/plan.js';
import { inputTopic, MIX } from './mix.js';
import { benchTopology } from './topology.js';

const run = 'cpu';
const registry = new InMemorySchemaRegistry();
const plan = await benchTopology(run, registry);
const records: RawRecord[] = [];
for (const entry of MIX) {
  const topic = inputTopic(run, entry.family);
  const serde = await familySerde(registry, entry.family, { topic });
  const n = Math.round(entry.share * 2000);
  for (let i = 0; i < n; i++) {
    const event = sampleEvent(entry.types[i % entry.types.length]!);
    const key = String((event.header as unknown as Record<string, unknown>)[CATALOG[entry.family].keyField]);
    records.push({
      topic,
      partition: 0,
      offset: i,
      key: Buffer.from(key),
      value: serde.serialize(event, { topic }),
      timestamp: Date.now(),
      headers: {},
    });
  }
}
const tasks = new Map(
  plan.subtopologies.flatMap((sub) => {
    const task = sub.createTask({
      taskId: `${sub.id}_0`,
      partition: 0,
      clock: new ManualClock(0),
      stores: new InMemoryStoreProvider([]),
    });
    return sub.sourceTopics.map((t) => [t, task] as const);
  }),
);
const N = Number(process.env.N ?? 300_000);
let outputs = 0;
const started = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < N; i++) {
  const r = records[i % records.length]!;
  const result = tasks.get(r.topic)!.process(r);
  outputs += result.outputs.length;
  if (result.error) throw result.error;
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(
  `${N} records in ${seconds.toFixed(2)} s: ${Math.round(N / seconds)} records/s through one task (${outputs} outputs), ${((cpu.user + cpu.system) / N).toFixed(2)} µs of CPU per record`,
);
