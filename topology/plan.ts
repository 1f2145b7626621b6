// The runtime plan: what `TopologyBuilder.build()` produces and what every runner executes — the
// Kafka runtime (runtime/kafka), the in-process test driver and the zero-setup demo. This file is
// the contract between the topology layer and the runtimes; it only grows, it never breaks.
//
// Execution model: a topology is cut into sub-topologies at repartition topics. A runner creates
// one `Task` per (sub-topology, partition) from `SubtopologyPlan.createTask`, feeds it the records
// of that partition in offset order with `process()`, writes the returned outputs (and those
// delivered to `onPunctuate` listeners) to Kafka, and appends every store change to the store's
// changelog topic.

import type { Clock } from '../core/clock.js';
import type { BusError } from '../core/errors.js';
import type { KafkaRecord, OutgoingRecord } from '../core/record.js';
import type { StoreDefinition, StoreKind, StoreProvider } from '../processors/stores/types.js';

export type {
  ChangeListener,
  KeyValue,
  KeyValueStore,
  SessionStore,
  StateStore,
  StoreDefinition,
  StoreKind,
  StoreProvider,
  TimeWindow,
  Windowed,
  WindowStore,
} from '../processors/stores/types.js';

/** Raw bytes as read from and written to Kafka. */
export type RawRecord = KafkaRecord<Buffer | null, Buffer | null>;
/** Raw bytes a task wants written. `partition` is absent: the runner's murmur2 partitioner picks it. */
export type RawOutgoingRecord = OutgoingRecord<Buffer | null, Buffer | null>;

/** A per-record failure: a `BusError` whose context names the stage (and topic/partition/offset). */
export type StageError = BusError & { context: { stage?: string } };

/**
 * A compiled topology, ready to run.
 *
 * @example
 * const plan = builder.build({ applicationId: 'tm-risk' });
 * console.log(plan.describe());
 * for (const sub of plan.subtopologies) console.log(sub.id, sub.sourceTopics);
 */
export interface TopologyPlan {
  /** Consumer group id, and prefix of every internal topic. */
  readonly applicationId: string;
  readonly subtopologies: readonly SubtopologyPlan[];
  /** External input topics, including the topics tables are read from. */
  readonly sourceTopics: readonly string[];
  /** External input topics read as tables (compacted): restore them before processing streams. */
  readonly tableTopics: readonly string[];
  /** External output topics (every topic a sink may write, lane topics included). */
  readonly sinkTopics: readonly string[];
  /** Repartition and changelog topics the runner must create before starting. */
  readonly internalTopics: readonly InternalTopicSpec[];
  readonly stores: readonly StoreSpec[];
  /** Kafka Streams-style text: sub-topologies, sources, processors, sinks, arrows and stores. */
  describe(): string;
  /** The same graph as a Mermaid `flowchart` (for the dashboard and docs). */
  describeMermaid(): string;
}

/** A topic the topology owns. Created by the runner, named `<applicationId>-<NAME>-<kind>`. */
export interface InternalTopicSpec {
  readonly name: string;
  readonly kind: 'repartition' | 'changelog';
  /**
   * Create with as many partitions as this topic has (the sub-topology's source, or the other
   * side of a join for a repartition topic that must be co-partitioned with it).
   */
  readonly partitionsFrom?: string;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }` for changelogs. */
  readonly config: Readonly<Record<string, string>>;
}

/** A named state store: one instance per task of its sub-topology, backed by `changelogTopic`. */
export interface StoreSpec extends StoreDefinition {
  readonly name: string;
  readonly kind: StoreKind;
  /** `<applicationId>-<name>-changelog`; partition p of it backs the store of task `${sub}_${p}`. */
  readonly changelogTopic: string;
  /** Id of the sub-topology whose tasks own the store. */
  readonly subtopology: number;
}

/** One independently runnable piece of the topology. */
export interface SubtopologyPlan {
  readonly id: number;
  /** Topics its tasks read, including repartition topics. */
  readonly sourceTopics: readonly string[];
  /** Topics its tasks write, including repartition topics (changelogs excluded). */
  readonly sinkTopics: readonly string[];
  readonly storeNames: readonly string[];
  /** One task per (sub-topology, partition). The task takes its stores from `ctx.stores`. */
  createTask(ctx: TaskContext): Task;
}

/** What a runner gives a task. */
export interface TaskContext {
  /** `${subtopology}_${partition}` */
  readonly taskId: string;
  readonly partition: number;
  /** Wall-clock time and timers: correlation timeouts and window closing come from here. */
  readonly clock: Clock;
  /**
   * The task's stores (see `InMemoryStoreProvider`); the runner hooks `onChange` of each to append
   * to the changelog, and restores them from it before the first `process()`.
   */
  readonly stores: StoreProvider;
  /**
   * Called with a stage's name for every record the stage emits (sources included), when the
   * runner wants per-stage counts (metrics). Absent: no counting work at all.
   */
  readonly onStageOutput?: (stage: string) => void;
}

/** The result of processing one record. */
export interface ProcessResult {
  /** Records caused by this record, in order, serialized, to be written by the runner. */
  readonly outputs: RawOutgoingRecord[];
  /** Set when a stage failed; outputs produced before the failure are still in `outputs`. */
  readonly error?: StageError;
}

/** Listener of records emitted outside `process()` (wall-clock punctuation). */
export type PunctuateListener = (outputs: RawOutgoingRecord[], error?: StageError) => void;

/** The processing of one partition of one sub-topology. Not thread-safe; one record at a time. */
export interface Task {
  readonly taskId: string;
  /**
   * Resolves what the source serdes need before `process()` can decode `record` synchronously (the
   * Avro serde fetches an unknown writer schema). Returns `undefined` when nothing is needed, so a
   * runner only awaits when it must.
   */
  prepare?(record: RawRecord): Promise<void> | undefined;
  /**
   * Synchronous: deserializes with the source serdes, runs the stages, serializes with the sink
   * serdes. Outputs caused by this record are returned, never emitted later. A failure is returned
   * as a typed error naming the stage instead of being thrown, so the runner's handler can decide
   * CONTINUE / FAIL / DEAD_LETTER; the task stays usable either way.
   */
  process(record: RawRecord): ProcessResult;
  /**
   * Records emitted later by wall-clock punctuation (correlation timeouts, window close), one call
   * per timer firing. A stage failing during punctuation is reported as the second argument.
   */
  onPunctuate(listener: PunctuateListener): void;
  /** Cancels timers and releases the pipeline. Stores are left to the runner. */
  close(): void;
}
