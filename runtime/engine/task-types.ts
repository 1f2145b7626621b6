// The vocabulary of the task manager: a task's lifecycle states, what it keeps per task, and the
// options the runtime wires it with.

import type { Clock } from '../../core/clock.js';
import type { BusError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { OutgoingRecord } from '../../core/record.js';
import type {
  StoreDefinition,
  StoreProvider,
  SubtopologyPlan,
  Task,
  TopologyPlan,
} from '../../topology/plan.js';
import type { ChangelogReader, TopicPartition } from '../transport/types.js';
import type { RuntimeRetryOptions } from './record-retry.js';
import type { Checkpoint } from './task-checkpoint.js';

export type StoreProviderFactory = (definitions: readonly StoreDefinition[], taskId: string) => StoreProvider;

/**
 * Lifecycle of a task; only a RUNNING task processes records.
 * - CREATED: assigned, waiting for the restores of the tasks assigned before it (they run one by one).
 * - RESTORING: its stores are being replayed from their changelogs.
 * - RUNNING: processing.
 * - SUSPENDED: its partitions are being revoked — queued records dropped, in-flight outputs
 *   committing — and it will be closed once the commit is done (never resumed: a re-assigned
 *   partition gets a fresh task restored from its changelog, which the commit made complete).
 *   Exactly-once recovery does not suspend: it closes and re-creates the tasks it rewinds, since
 *   their stores hold writes of the aborted transaction (runtime readiness is false meanwhile).
 * - CLOSED: its stores and timers released. A closed task leaves the manager at once, so it is
 *   never listed by `statuses()` nor counted by `stateCounts()`; the state exists for a restore
 *   retry still holding it.
 * - FAILED: a restore threw; retried with backoff (RESTORING again) until it succeeds or the budget
 *   is spent.
 */
export type TaskStatus = 'CREATED' | 'RESTORING' | 'RUNNING' | 'SUSPENDED' | 'CLOSED' | 'FAILED';

/** States a listed task can be in (CLOSED tasks are removed), in lifecycle order. */
export const LISTED_TASK_STATES = ['CREATED', 'RESTORING', 'RUNNING', 'SUSPENDED', 'FAILED'] as const;

export interface TaskState {
  readonly taskId: string;
  readonly sub: SubtopologyPlan;
  readonly partition: number;
  readonly owned: Map<string, TopicPartition>;
  status: TaskStatus;
  task?: Task;
  stores?: StoreProvider;
  /** Per changelog topic, the offset after the last acknowledged write (or the restored checkpoint). */
  positions: Checkpoint;
  /** The checkpoint last written, to skip unchanged ones. */
  written?: string;
  /** Exactly-once: a store was written since the last committed transaction. */
  uncommitted: boolean;
  /** A restore failed (e.g. a checkpoint beyond the changelog's end): the retry wipes the local copy. */
  wipe?: boolean;
  unhook: (() => void)[];
  /** Per store, its last restore: changelog records applied and how long it took (metrics). */
  readonly restores: Map<string, { records: number; ms: number }>;
  /** Stops the restore retries when the task goes away. */
  readonly abort: AbortController;
}

export interface TaskManagerOptions {
  plan: TopologyPlan;
  clock: Clock;
  restorer: ChangelogReader;
  /** @default in-memory stores (`InMemoryStoreProvider`) */
  storeProvider?: StoreProviderFactory;
  /**
   * Persistent stores are checkpointed only on a close holding committed state; any other local
   * copy is wiped and restored in full.
   */
  exactlyOnce?: boolean;
  logger: Logger;
  /** Budget of restore retries. */
  retry?: RuntimeRetryOptions;
  /**
   * Called for every store write: the runtime sends it to the changelog. A returned promise of its
   * delivery report (`{ offset }`) advances the task's checkpoint.
   */
  onChangelog: (record: OutgoingRecord<Buffer, Buffer | null>) => unknown;
  /** Per-stage output counting for metrics (see TaskContext.onStageOutput). */
  onStageOutput?: (stage: string) => void;
  /** Records a task emits from wall-clock punctuation. */
  onPunctuate: (task: Task, outputs: OutgoingRecord<Buffer | null, Buffer | null>[], error?: unknown) => void;
  /**
   * Runs a due wall-clock punctuation, now or later (exactly-once: only while a transaction is open,
   * since a punctuation writes changelog records and outputs). @default runs it now
   */
  punctuation?: (fire: () => void) => void;
  /** A task that was not running restored its stores: its partitions may be read. */
  onRunning: (partitions: TopicPartition[]) => void;
  /** A restore kept failing for the whole retry budget. */
  onRestoreFailed: (e: BusError) => void;
}

/** One store of one task, for metrics and `tmbus state`. */
export interface StoreStats {
  taskId: string;
  store: string;
  /** Entries held now. */
  entries: number;
  /** Changelog records applied by its last restore (0 after a restore from a current checkpoint). */
  restoredRecords: number;
  /** Duration of its last restore, ms. */
  restoreMs: number;
}
