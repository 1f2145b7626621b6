// TaskManager lifecycle without a broker (a plan without stores never reads a changelog):
// wall-clock punctuations go through the runtime's gate (exactly-once runs them only while a
// transaction is open), and a task whose stores cannot be created is FAILED, not running, and
// retried until the fault is gone.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { TaskManager, type TaskManagerOptions } from '../../../runtime/engine/task-manager.js';
import { KafkaChangelogReader as ChangelogRestorer } from '../../../runtime/transport/librdkafka/changelog-reader.js';
import type { TopologyPlan } from '../../../topology/plan.js';
import { servicesConfig } from '../../support/services.js';

/** One sub-topology on `in`; its task arms a 100 ms wall-clock timer that "emits" a record. */
function timerPlan(fired: string[]): TopologyPlan {
  return {
    applicationId: 'app',
    subtopologies: [
      {
        id: 0,
        sourceTopics: ['in'],
        sinkTopics: [],
        storeNames: [],
        createTask(ctx) {
          const listeners: ((o: never[]) => void)[] = [];
          ctx.clock.setTimeout(() => {
            fired.push(ctx.taskId);
            for (const l of listeners) l([]);
          }, 100);
          return {
            taskId: ctx.taskId,
            process: () => ({ outputs: [] }),
            onPunctuate: (l) => listeners.push(l),
            close() {},
          };
        },
      },
    ],
    sourceTopics: ['in'],
    tableTopics: [],
    sinkTopics: [],
    internalTopics: [],
    stores: [],
    describe: () => '',
    describeMermaid: () => '',
  };
}

function manager(plan: TopologyPlan, clock: ManualClock, extra: Partial<TaskManagerOptions> = {}) {
  return new TaskManager({
    plan,
    clock,
    restorer: new ChangelogRestorer(servicesConfig(), 'app'), // never connects: no stores
    storeProvider: (definitions) => new InMemoryStoreProvider(definitions),
    logger: silentLogger(),
    onChangelog: () => undefined,
    onPunctuate: () => undefined,
    onRunning: () => undefined,
    onRestoreFailed: () => undefined,
    ...extra,
  });
}

describe('TaskManager', () => {
  it('runs a due punctuation through the gate, so exactly-once can hold it until a transaction is open', async () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const held: (() => void)[] = [];
    const tasks = manager(timerPlan(fired), clock, { punctuation: (fire) => held.push(fire) });
    expect(await tasks.assign([{ topic: 'in', partition: 0 }])).toEqual([]);
    clock.advance(100);
    expect(fired).toEqual([]); // due, but the gate holds it (a commit is running)
    expect(held).toHaveLength(1);
    held[0]!();
    expect(fired).toEqual(['0_0']);
  });

  it('a task whose stores cannot be created is FAILED, its partition held, and recovers on retry', async () => {
    const clock = new ManualClock();
    let failures = 2;
    const running: string[] = [];
    const tasks = manager(timerPlan([]), clock, {
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
      storeProvider: (definitions) => {
        if (failures-- > 0) throw new Error('disk unavailable');
        return new InMemoryStoreProvider(definitions);
      },
      onRunning: (partitions) => running.push(...partitions.map((p) => `${p.topic}:${p.partition}`)),
    });
    const held = await tasks.assign([{ topic: 'in', partition: 3 }]);
    expect(held).toEqual([{ topic: 'in', partition: 3 }]);
    expect(tasks.statuses()).toEqual({ '0_3': 'FAILED' });
    expect(tasks.allRunning).toBe(false);
    expect(tasks.taskFor('in', 3)).toBeUndefined();
    expect(tasks.owns('in', 3)).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(running).toEqual(['in:3']);
    expect(tasks.statuses()).toEqual({ '0_3': 'RUNNING' });
    expect(tasks.taskFor('in', 3)).toBeDefined();
    tasks.closeAll();
  });
});
