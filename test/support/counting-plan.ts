// A hand-compiled TopologyPlan for runtime tests that must not depend on the DSL: one sub-topology
// reading `source`, counting records per key in the key-value store `counts` (changelog-backed),
// and writing `<key>:<count>:<value>` to `sink` with the input's headers. A value of `poison`
// makes the stage fail, as a stage with a bug would.

import { ProcessingError } from '../../core/errors.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import type { KeyValueStore, StoreSpec, SubtopologyPlan, Task, TopologyPlan } from '../../topology/plan.js';

export function countingPlan(applicationId: string, source: string, sink: string): TopologyPlan {
  const store: StoreSpec = {
    name: 'counts',
    kind: 'keyValue',
    keySerde: jsonSerde(),
    valueSerde: jsonSerde(),
    changelogTopic: `${applicationId}-counts-changelog`,
    subtopology: 0,
  };
  const sub: SubtopologyPlan = {
    id: 0,
    sourceTopics: [source],
    sinkTopics: [sink],
    storeNames: ['counts'],
    createTask(ctx): Task {
      const counts = ctx.stores.getKeyValueStore<string, number>('counts');
      return {
        taskId: ctx.taskId,
        process(record) {
          const key = record.key?.toString() ?? '';
          const value = record.value?.toString() ?? '';
          if (value === 'poison') {
            return {
              outputs: [],
              error: new ProcessingError('poison record', {
                context: {
                  stage: 'COUNT-0000000001',
                  topic: record.topic,
                  partition: record.partition,
                  offset: record.offset,
                },
              }),
            };
          }
          const n = (counts.get(key) ?? 0) + 1;
          counts.put(key, n);
          return {
            outputs: [
              {
                topic: sink,
                key: record.key,
                value: Buffer.from(`${key}:${n}:${value}`),
                headers: record.headers,
              },
            ],
          };
        },
        onPunctuate() {},
        close() {},
      };
    },
  };
  return {
    applicationId,
    subtopologies: [sub],
    sourceTopics: [source],
    tableTopics: [],
    sinkTopics: [sink],
    internalTopics: [
      {
        name: store.changelogTopic,
        kind: 'changelog',
        partitionsFrom: source,
        config: { 'cleanup.policy': 'compact' },
      },
    ],
    stores: [store],
    describe: () => `Topologies:\n   Sub-topology: 0\n    Source: SOURCE (topics: [${source}])`,
    describeMermaid: () => 'flowchart LR',
  };
}

export type CountsStore = KeyValueStore<string, number>;
