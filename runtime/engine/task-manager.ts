// Owns the tasks of one runtime instance: one per (sub-topology, partition) it is assigned. On
// assign it creates the task, restores its stores from their changelog partitions and hooks every
// store write to the changelog; on revoke it closes tasks whose partitions are all gone.
//
// Lifecycle (one state per task, see TaskStatus): CREATED → RESTORING → RUNNING → SUSPENDED → CLOSED,
// or FAILED. A restore that throws (changelog unreadable, a store that
// fails) leaves the task FAILED and its partitions paused — no record of theirs is processed or
// committed — and is retried with backoff from fresh stores until it succeeds (the partitions
// resume) or the retry budget is spent (the runtime fails, naming the fault).

import type { Clock } from '../../core/clock.js';
import { BusError, errorMessage, isBusError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { OutgoingRecord } from '../../core/record.js';
import { retry } from '../../core/retry.js';
import type {
  StateStore,
  StoreDefinition,
  StoreProvider,
  StoreSpec,
  SubtopologyPlan,
  Task,
  TopologyPlan,
} from '../../topology/plan.js';
import type { ChangelogReader, TopicPartition } from '../transport/types.js';
import { type RuntimeRetryOptions, retriesExhausted, retryOptions } from './record-retry.js';

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

interface TaskState {
  readonly taskId: string;
  readonly sub: SubtopologyPlan;
  readonly partition: number;
  readonly owned: Map<string, TopicPartition>;
  status: TaskStatus;
  task?: Task;
  unhook: (() => void)[];
  /** Stops the restore retries when the task goes away. */
  readonly abort: AbortController;
}

export interface TaskManagerOptions {
  plan: TopologyPlan;
  clock: Clock;
  restorer: ChangelogReader;
  storeProvider: StoreProviderFactory;
  logger: Logger;
  /** Budget of restore retries. */
  retry?: RuntimeRetryOptions;
  /** Called for every store write: the runtime sends it to the changelog. */
  onChangelog: (record: OutgoingRecord<Buffer, Buffer | null>) => void;
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

export class TaskManager {
  private readonly tasks = new Map<string, TaskState>();
  private readonly subOfTopic = new Map<string, SubtopologyPlan>();
  private readonly clock: Clock;
  /** Records restored per store, for readiness and logs. */
  restoredRecords = 0;

  constructor(private readonly options: TaskManagerOptions) {
    for (const sub of options.plan.subtopologies)
      for (const t of sub.sourceTopics) this.subOfTopic.set(t, sub);
    const inner = options.clock;
    const gate = options.punctuation;
    this.clock = gate
      ? {
          now: () => inner.now(),
          setTimeout: (fn, ms) => inner.setTimeout(() => gate(fn), ms),
          clearTimeout: (handle) => inner.clearTimeout(handle),
        }
      : inner;
  }

  /** The RUNNING task that processes records of this topic partition, if this instance owns one. */
  taskFor(topic: string, partition: number): Task | undefined {
    const state = this.stateOf(topic, partition);
    return state?.status === 'RUNNING' ? state.task : undefined;
  }

  /** True while this instance owns the partition (whatever its task's status). */
  owns(topic: string, partition: number): boolean {
    return this.stateOf(topic, partition)?.owned.has(`${topic}:${partition}`) ?? false;
  }

  /** Every owned task is RUNNING (none restoring, none failed). */
  get allRunning(): boolean {
    for (const state of this.tasks.values()) if (state.status !== 'RUNNING') return false;
    return true;
  }

  /** Status of every task, by task id. */
  statuses(): Record<string, TaskStatus> {
    return Object.fromEntries([...this.tasks].map(([id, s]) => [id, s.status]));
  }

  /**
   * Creates (and restores) the tasks for newly assigned partitions. Returns the partitions whose
   * task is not running: they must stay paused until `onRunning` names them. Synchronous when the
   * changelog reader is (in-process), so a test driver's tasks exist as soon as it subscribes.
   */
  assign(partitions: readonly TopicPartition[]): TopicPartition[] | Promise<TopicPartition[]> {
    const fresh: TaskState[] = [];
    for (const tp of partitions) {
      const sub = this.subOfTopic.get(tp.topic);
      if (!sub) continue;
      const taskId = `${sub.id}_${tp.partition}`;
      let state = this.tasks.get(taskId);
      if (!state) {
        state = {
          taskId,
          sub,
          partition: tp.partition,
          owned: new Map(),
          status: 'CREATED',
          unhook: [],
          abort: new AbortController(),
        };
        this.tasks.set(taskId, state);
        fresh.push(state);
      }
      state.owned.set(`${tp.topic}:${tp.partition}`, { topic: tp.topic, partition: tp.partition });
    }
    const next = (i: number): TopicPartition[] | Promise<TopicPartition[]> => {
      for (; i < fresh.length; i++) {
        const state = fresh[i]!;
        let restoring: Promise<void> | undefined;
        state.status = 'RESTORING';
        try {
          restoring = this.restore(state);
        } catch (e) {
          this.restoreFailed(state, e);
          continue;
        }
        if (restoring)
          return restoring
            .then(
              () => {
                if (!state.abort.signal.aborted) state.status = 'RUNNING';
              },
              (e: unknown) => this.restoreFailed(state, e),
            )
            .then(() => next(i + 1));
        state.status = 'RUNNING';
      }
      return partitions.filter((tp) => {
        const state = this.stateOf(tp.topic, tp.partition);
        return state !== undefined && state.status !== 'RUNNING';
      });
    };
    return next(0);
  }

  private restoreFailed(state: TaskState, e: unknown): void {
    if (!state.abort.signal.aborted) this.retryRestore(state, e);
  }

  /** Number of tasks in each listed state (zeros included), for the `tmbus_tasks` gauge. */
  stateCounts(): Record<(typeof LISTED_TASK_STATES)[number], number> {
    const counts = { CREATED: 0, RESTORING: 0, RUNNING: 0, SUSPENDED: 0, FAILED: 0 };
    for (const state of this.tasks.values()) if (state.status !== 'CLOSED') counts[state.status]++;
    return counts;
  }

  /**
   * A revoke begins: RUNNING tasks that lose every partition they own are SUSPENDED until `revoke`
   * closes them (the runtime commits their in-flight outputs in between).
   */
  suspend(partitions: readonly TopicPartition[]): void {
    const revoked = new Set(partitions.map((tp) => `${tp.topic}:${tp.partition}`));
    for (const state of this.tasks.values())
      if (state.status === 'RUNNING' && [...state.owned.keys()].every((k) => revoked.has(k)))
        state.status = 'SUSPENDED';
  }

  /** Releases revoked partitions; closes tasks that no longer own any. */
  revoke(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) {
      const state = this.stateOf(tp.topic, tp.partition);
      if (!state) continue;
      state.owned.delete(`${tp.topic}:${tp.partition}`);
      // Suspended for a revoke that left it a partition: it carries on with that one.
      if (state.owned.size > 0 && state.status === 'SUSPENDED') state.status = 'RUNNING';
      if (state.owned.size === 0) {
        this.close(state);
        this.tasks.delete(state.taskId);
        this.options.logger.info({ taskId: state.taskId }, 'task closed');
      }
    }
  }

  closeAll(): void {
    for (const state of this.tasks.values()) this.close(state);
    this.tasks.clear();
  }

  get taskIds(): string[] {
    return [...this.tasks.keys()];
  }

  private stateOf(topic: string, partition: number): TaskState | undefined {
    const sub = this.subOfTopic.get(topic);
    return sub ? this.tasks.get(`${sub.id}_${partition}`) : undefined;
  }

  private close(state: TaskState): void {
    state.status = 'CLOSED';
    state.abort.abort();
    for (const unhook of state.unhook) unhook();
    state.unhook = [];
    state.task?.close();
  }

  /** Retries a failed restore in the background; the task's partitions stay paused meanwhile. */
  private retryRestore(state: TaskState, first: unknown): void {
    state.status = 'FAILED';
    const log = this.options.logger;
    log.error({ taskId: state.taskId, err: first }, 'store restore failed; task FAILED, retrying');
    const started = Date.now();
    let attempts = 0;
    let last = first;
    void retry(
      async (attempt) => {
        attempts = attempt + 1;
        if (attempt === 0) throw first;
        if (state.abort.signal.aborted) throw state.abort.signal.reason;
        state.status = 'RESTORING';
        try {
          await this.restore(state);
        } catch (e) {
          state.status = 'FAILED';
          last = e;
          throw e;
        }
      },
      {
        ...retryOptions(this.options.retry),
        signal: state.abort.signal,
        isRetriable: () => !state.abort.signal.aborted,
        onRetry: (e, attempt, delayMs) =>
          log.warn({ taskId: state.taskId, attempt, delayMs, err: errorMessage(e) }, 'store restore retry'),
      },
    ).then(
      () => {
        if (state.abort.signal.aborted) return;
        state.status = 'RUNNING';
        log.info({ taskId: state.taskId, attempts }, 'store restore recovered; task RUNNING');
        this.options.onRunning([...state.owned.values()]);
      },
      () => {
        if (state.abort.signal.aborted) return;
        this.options.onRestoreFailed(
          retriesExhausted(
            `restoring the stores of task ${state.taskId}`,
            last,
            attempts,
            Date.now() - started,
          ),
        );
      },
    );
  }

  /**
   * Creates the task's stores afresh, replays their changelogs into them and creates the task;
   * returns a promise only when the changelog reader is asynchronous.
   */
  private restore(state: TaskState): Promise<void> | undefined {
    const { plan, restorer } = this.options;
    const { sub, partition, taskId } = state;
    const definitions = plan.stores.filter((s) => sub.storeNames.includes(s.name));
    const unhook: (() => void)[] = [];
    const failed = (e: unknown): BusError => {
      for (const u of unhook) u();
      return isBusError(e)
        ? e
        : new BusError('STORE_FAILED', `restoring the stores of task ${taskId} failed: ${errorMessage(e)}`, {
            cause: e,
            retriable: true,
          });
    };
    try {
      const stores = this.options.storeProvider(definitions, taskId);
      const restored = (spec: StoreSpec, store: StateStore, n: number, started: number) => {
        if (state.abort.signal.aborted) throw state.abort.signal.reason;
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
      };
      const step = (i: number): Promise<void> | undefined => {
        for (; i < definitions.length; i++) {
          const spec = definitions[i]!;
          const store = stores.getStore(spec.name);
          const started = Date.now();
          const n = restorer.restore(spec.changelogTopic, partition, store);
          if (typeof n !== 'number')
            return n.then((count) => {
              restored(spec, store, count, started);
              return step(i + 1);
            });
          restored(spec, store, n, started);
        }
        const task = sub.createTask({
          taskId,
          partition,
          clock: this.clock,
          stores,
          onStageOutput: this.options.onStageOutput,
        });
        task.onPunctuate((outputs, error) => this.options.onPunctuate(task, outputs, error));
        state.task = task;
        state.unhook = unhook;
        this.options.logger.info({ taskId }, 'task created');
        return undefined;
      };
      return step(0)?.catch((e: unknown) => {
        throw failed(e);
      });
    } catch (e) {
      throw failed(e);
    }
  }
}
