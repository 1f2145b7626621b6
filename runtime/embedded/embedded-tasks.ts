// The tasks of one embedded runtime instance: one per (sub-topology, partition) whose partitions
// the instance's consumer-group member owns. A task is created when the group assigns it a
// partition — its stores restored from their changelog partitions on the broker first — and
// closed when the last of its partitions is revoked, so a second instance of the same application
// takes over with the state the first one left, as on Kafka.

import type { Clock } from '../../core/clock.js';
import { InMemoryStoreProvider } from '../../processors/stores/storeProvider.js';
import type {
  PunctuateListener,
  StoreSpec,
  SubtopologyPlan,
  Task,
  TopologyPlan,
} from '../../topology/plan.js';
import type { InProcessBroker } from '../testing/broker.js';
import type { TopicPartition } from '../testing/consumerGroup.js';

interface TaskEntry {
  readonly task: Task;
  readonly owned: Set<string>;
  readonly unhook: (() => void)[];
}

export interface EmbeddedTaskSetOptions {
  readonly plan: TopologyPlan;
  readonly broker: InProcessBroker;
  readonly clock: Clock;
  /** Receives what a task emits from wall-clock punctuation. */
  readonly onPunctuate: PunctuateListener;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** Creates, restores and closes tasks as partitions are assigned and revoked. */
export class EmbeddedTaskSet {
  private readonly tasks = new Map<string, TaskEntry>();
  private readonly subOfTopic = new Map<string, SubtopologyPlan>();
  /** Changelog records replayed into stores so far. */
  restoredRecords = 0;

  constructor(private readonly options: EmbeddedTaskSetOptions) {
    for (const sub of options.plan.subtopologies)
      for (const topic of sub.sourceTopics) this.subOfTopic.set(topic, sub);
  }

  /** Source topics of every sub-topology (what the consumer subscribes to). */
  get sourceTopics(): string[] {
    return [...this.subOfTopic.keys()];
  }

  get taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  /** The task processing this partition, if this instance owns it. */
  taskFor(topic: string, partition: number): Task | undefined {
    const sub = this.subOfTopic.get(topic);
    return sub ? this.tasks.get(`${sub.id}_${partition}`)?.task : undefined;
  }

  /** Applies a rebalance: tasks for new partitions, closing tasks left without any. */
  rebalance(assigned: readonly TopicPartition[], revoked: readonly TopicPartition[]): void {
    for (const tp of revoked) {
      const id = this.taskIdOf(tp);
      const entry = id === undefined ? undefined : this.tasks.get(id);
      if (!entry || id === undefined) continue;
      entry.owned.delete(tpKey(tp));
      if (entry.owned.size === 0) this.close(id, entry);
    }
    for (const tp of assigned) {
      const sub = this.subOfTopic.get(tp.topic);
      if (!sub) continue;
      const id = `${sub.id}_${tp.partition}`;
      let entry = this.tasks.get(id);
      if (!entry) {
        entry = this.create(sub, tp.partition, id);
        this.tasks.set(id, entry);
      }
      entry.owned.add(tpKey(tp));
    }
  }

  closeAll(): void {
    for (const [id, entry] of this.tasks) this.close(id, entry);
  }

  private taskIdOf(tp: TopicPartition): string | undefined {
    const sub = this.subOfTopic.get(tp.topic);
    return sub ? `${sub.id}_${tp.partition}` : undefined;
  }

  private create(sub: SubtopologyPlan, partition: number, taskId: string): TaskEntry {
    const { plan, clock } = this.options;
    const specs = plan.stores.filter((s) => s.subtopology === sub.id);
    const stores = new InMemoryStoreProvider(specs);
    const unhook = specs.map((spec) => this.restoreAndHook(stores, spec, partition));
    const task = sub.createTask({ taskId, partition, clock, stores });
    task.onPunctuate(this.options.onPunctuate);
    return { task, owned: new Set(), unhook };
  }

  /** Replays the store's changelog partition, then appends every later write to it. */
  private restoreAndHook(stores: InMemoryStoreProvider, spec: StoreSpec, partition: number): () => void {
    const { broker, clock } = this.options;
    const store = stores.getStore(spec.name);
    if (broker.hasTopic(spec.changelogTopic)) {
      for (const r of broker.fetch(spec.changelogTopic, partition, 0)) {
        if (r.key === null) continue;
        store.restore(r.key, r.value);
        this.restoredRecords++;
      }
    }
    return store.onChange((key, value) => {
      broker.produce({ topic: spec.changelogTopic, partition, key, value, timestamp: clock.now() });
    });
  }

  private close(id: string, entry: TaskEntry): void {
    for (const unhook of entry.unhook) unhook();
    entry.task.close();
    this.tasks.delete(id);
  }
}
