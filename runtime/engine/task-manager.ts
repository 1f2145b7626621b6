// Owns the tasks of one runtime instance: one per (sub-topology, partition) it is assigned. On
// assign it creates the task, restores its stores from their changelog partitions and hooks every
// store write to the changelog; on revoke it closes tasks whose partitions are all gone.

import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { OutgoingRecord } from '../../core/record.js';
import type {
  StoreDefinition,
  StoreProvider,
  SubtopologyPlan,
  Task,
  TopologyPlan,
} from '../../topology/plan.js';
import type { TopicPartition } from '../kafka/consumer.js';
import type { ChangelogRestorer } from './changelog-restorer.js';

export type StoreProviderFactory = (definitions: readonly StoreDefinition[], taskId: string) => StoreProvider;

interface TaskState {
  readonly task: Task;
  readonly sub: SubtopologyPlan;
  readonly partition: number;
  readonly owned: Set<string>;
  readonly unhook: (() => void)[];
}

export interface TaskManagerOptions {
  plan: TopologyPlan;
  clock: Clock;
  restorer: ChangelogRestorer;
  storeProvider: StoreProviderFactory;
  logger: Logger;
  /** Called for every store write: the runtime sends it to the changelog. */
  onChangelog: (record: OutgoingRecord<Buffer, Buffer | null>) => void;
  /** Per-stage output counting for metrics (see TaskContext.onStageOutput). */
  onStageOutput?: (stage: string) => void;
  /** Records a task emits from wall-clock punctuation. */
  onPunctuate: (task: Task, outputs: OutgoingRecord<Buffer | null, Buffer | null>[], error?: unknown) => void;
}

export class TaskManager {
  private readonly tasks = new Map<string, TaskState>();
  private readonly subOfTopic = new Map<string, SubtopologyPlan>();
  /** Records restored per store, for readiness and logs. */
  restoredRecords = 0;

  constructor(private readonly options: TaskManagerOptions) {
    for (const sub of options.plan.subtopologies)
      for (const t of sub.sourceTopics) this.subOfTopic.set(t, sub);
  }

  /** The task that processes records of this topic partition, if this instance owns it. */
  taskFor(topic: string, partition: number): Task | undefined {
    const sub = this.subOfTopic.get(topic);
    return sub ? this.tasks.get(`${sub.id}_${partition}`)?.task : undefined;
  }

  /** Creates (and restores) the tasks for newly assigned partitions. */
  async assign(partitions: readonly TopicPartition[]): Promise<void> {
    for (const tp of partitions) {
      const sub = this.subOfTopic.get(tp.topic);
      if (!sub) continue;
      const taskId = `${sub.id}_${tp.partition}`;
      let state = this.tasks.get(taskId);
      if (!state) {
        state = await this.createTask(sub, tp.partition, taskId);
        this.tasks.set(taskId, state);
      }
      state.owned.add(`${tp.topic}:${tp.partition}`);
    }
  }

  /** Releases revoked partitions; closes tasks that no longer own any. */
  revoke(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const sub = this.subOfTopic.get(tp.topic);
      if (!sub) continue;
      const taskId = `${sub.id}_${tp.partition}`;
      const state = this.tasks.get(taskId);
      if (!state) continue;
      state.owned.delete(`${tp.topic}:${tp.partition}`);
      if (state.owned.size === 0) {
        for (const unhook of state.unhook) unhook();
        state.task.close();
        this.tasks.delete(taskId);
        this.options.logger.info({ taskId }, 'task closed');
      }
    }
  }

  closeAll(): void {
    for (const state of this.tasks.values()) {
      for (const unhook of state.unhook) unhook();
      state.task.close();
    }
    this.tasks.clear();
  }

  get taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  private async createTask(sub: SubtopologyPlan, partition: number, taskId: string): Promise<TaskState> {
    const { plan, restorer } = this.options;
    const definitions = plan.stores.filter((s) => sub.storeNames.includes(s.name));
    const stores = this.options.storeProvider(definitions, taskId);
    const unhook: (() => void)[] = [];
    for (const spec of definitions) {
      const store = stores.getStore(spec.name);
      const started = Date.now();
      const n = await restorer.restore(spec.changelogTopic, partition, store);
      this.restoredRecords += n;
      this.options.logger.info(
        { taskId, store: spec.name, records: n, ms: Date.now() - started },
        'store restored',
      );
      unhook.push(
        store.onChange((key, value) =>
          this.options.onChangelog({ topic: spec.changelogTopic, partition, key, value }),
        ),
      );
    }
    const task = sub.createTask({
      taskId,
      partition,
      clock: this.options.clock,
      stores,
      onStageOutput: this.options.onStageOutput,
    });
    task.onPunctuate((outputs, error) => this.options.onPunctuate(task, outputs, error));
    this.options.logger.info({ taskId }, 'task created');
    return { task, sub, partition, owned: new Set(), unhook };
  }
}
