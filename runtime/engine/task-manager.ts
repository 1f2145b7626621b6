// Owns the tasks of one runtime instance: one per (sub-topology, partition) it is assigned. On
// assign it creates the task, restores its stores from their changelog partitions and hooks every
// store write to the changelog; on revoke it closes tasks whose partitions are all gone.
//
// Lifecycle (one state per task, see TaskStatus): CREATED → RESTORING → RUNNING → SUSPENDED → CLOSED,
// or FAILED. A restore that throws (changelog unreadable, a store that
// fails) leaves the task FAILED and its partitions paused — no record of theirs is processed or
// committed — and is retried with backoff from fresh stores until it succeeds (the partitions
// resume) or the retry budget is spent (the runtime fails, naming the fault).
//
// Checkpoints (stores whose provider keeps metadata, e.g. LMDB; see task-checkpoint.ts): a task
// records per changelog partition the offset after the last of its own changelog writes the
// producer acknowledged; every record below it is in the local state (a store is written before
// its changelog record is sent, and anything older was restored). On assign, restore reads from
// there. At-least-once writes it after each commit and on close. Exactly-once writes it only on
// a close with no store write since the last committed transaction, marked clean; any other local
// copy (a crash, an aborted transaction) is wiped and restored in full.

import type { Clock } from '../../core/clock.js';
import { BusError, errorMessage, isBusError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import { InMemoryStoreProvider } from '../../processors/stores/storeProvider.js';
import type { StateStore, StoreProvider, StoreSpec, SubtopologyPlan, Task } from '../../topology/plan.js';
import type { TopicPartition } from '../transport/types.js';
import { retriesExhausted, retryOptions } from './record-retry.js';
import { type Checkpoint, type DurableStores, isDurable, savedState, saveState } from './task-checkpoint.js';
import {
  LISTED_TASK_STATES,
  type StoreProviderFactory,
  type StoreStats,
  type TaskManagerOptions,
  type TaskState,
  type TaskStatus,
} from './task-types.js';

export { LISTED_TASK_STATES, type StoreProviderFactory, type TaskManagerOptions, type TaskStatus };

export class TaskManager {
  private readonly tasks = new Map<string, TaskState>();
  private readonly subOfTopic = new Map<string, SubtopologyPlan>();
  /**
   * Per topic, the task id of each partition, made once: looked up for every record, a fresh
   * `${id}_${partition}` string was built and hashed each time.
   */
  private readonly partitionTaskIds = new Map<string, string[]>();
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
          positions: {},
          restores: new Map(),
          uncommitted: false,
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
  /** Every store of every open task: its size and its last restore. */
  storeStats(): StoreStats[] {
    const stats: StoreStats[] = [];
    for (const state of this.tasks.values()) {
      if (!state.stores || state.status === 'CLOSED') continue;
      for (const spec of state.sub.storeNames) {
        const restore = state.restores.get(spec);
        let entries = 0;
        try {
          entries = state.stores.getStore(spec).size;
        } catch {
          continue; // closed meanwhile
        }
        stats.push({
          taskId: state.taskId,
          store: spec,
          entries,
          restoredRecords: restore?.records ?? 0,
          restoreMs: restore?.ms ?? 0,
        });
      }
    }
    return stats;
  }

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
    if (!sub) return undefined;
    let ids = this.partitionTaskIds.get(topic);
    if (!ids) this.partitionTaskIds.set(topic, (ids = []));
    ids[partition] ??= `${sub.id}_${partition}`;
    return this.tasks.get(ids[partition]);
  }

  /**
   * After a commit. At-least-once: each task with persistent stores records the changelog offsets
   * its local state reflects, once the stores are flushed to disk (a checkpoint must never get
   * ahead of the data across a machine crash). Exactly-once (called while processing is paused
   * between transactions): every store holds committed state only.
   */
  checkpoint(): void {
    if (this.options.exactlyOnce) {
      for (const state of this.tasks.values()) state.uncommitted = false;
      return;
    }
    for (const state of this.tasks.values()) {
      const stores = state.stores;
      if (state.status !== 'RUNNING' || !stores || !isDurable(stores)) continue;
      const checkpoint = { ...state.positions };
      const key = JSON.stringify(checkpoint);
      if (key === state.written) continue;
      state.written = key;
      stores.flush().then(
        () => {
          if (state.status !== 'CLOSED') saveState(stores, { checkpoint, clean: false });
        },
        (err: unknown) => {
          state.written = undefined;
          this.options.logger.warn(
            { taskId: state.taskId, err },
            'store flush failed; checkpoint not written',
          );
        },
      );
    }
  }

  private close(state: TaskState): void {
    state.status = 'CLOSED';
    state.abort.abort();
    for (const unhook of state.unhook) unhook();
    state.unhook = [];
    state.task?.close();
    const stores = state.stores;
    state.stores = undefined;
    // Exactly-once: a store written since the last commit may hold aborted writes — not clean.
    const save = !this.options.exactlyOnce || !state.uncommitted;
    if (stores && isDurable(stores))
      this.closeStores(state.taskId, stores, save ? state.positions : undefined);
  }

  /** Closes persistent stores, saving `positions` first if given (a clean close needs no fsync). */
  private closeStores(taskId: string, stores: DurableStores, positions?: Checkpoint): void {
    try {
      if (positions) saveState(stores, { checkpoint: positions, clean: this.options.exactlyOnce === true });
    } catch (err) {
      this.options.logger.warn({ taskId, err }, 'checkpoint not written on close');
    }
    stores
      .close()
      .catch((err: unknown) => this.options.logger.warn({ taskId, err }, 'closing stores failed'));
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
    const { plan } = this.options;
    const { sub, taskId } = state;
    const definitions = plan.stores.filter((s) => sub.storeNames.includes(s.name));
    const create = this.options.storeProvider ?? ((d) => new InMemoryStoreProvider(d));
    let stores: StoreProvider | undefined;
    const fail = (e: unknown): never => {
      state.wipe = true;
      if (stores && isDurable(stores)) this.closeStores(taskId, stores);
      throw this.restoreError(taskId, e);
    };
    try {
      stores = create(definitions, taskId);
      const saved = isDurable(stores) ? savedState(stores) : undefined;
      if (saved && isDurable(stores) && (state.wipe || (this.options.exactlyOnce && !saved.clean)))
        return stores
          .destroy()
          .then(() => {
            stores = create(definitions, taskId);
            return this.replay(state, stores, definitions, {});
          })
          .catch(fail);
      // Exactly-once: from here until a clean close, the local copy is not trusted after a crash.
      if (this.options.exactlyOnce && saved && isDurable(stores))
        saveState(stores, { checkpoint: saved.checkpoint, clean: false });
      return this.replay(state, stores, definitions, saved?.checkpoint ?? {})?.catch(fail);
    } catch (e) {
      return fail(e);
    }
  }

  private restoreError(taskId: string, e: unknown): BusError {
    return isBusError(e)
      ? e
      : new BusError('STORE_FAILED', `restoring the stores of task ${taskId} failed: ${errorMessage(e)}`, {
          cause: e,
          retriable: true,
        });
  }

  /** Replays each store's changelog from its checkpoint (or start) and creates the task. */
  private replay(
    state: TaskState,
    stores: StoreProvider,
    definitions: readonly StoreSpec[],
    from: Checkpoint,
  ): Promise<void> | undefined {
    const { restorer } = this.options;
    const { sub, partition, taskId } = state;
    const unhook: (() => void)[] = [];
    const positions: Checkpoint = { ...from };
    try {
      const restored = (spec: StoreSpec, store: StateStore, n: number, started: number) => {
        if (state.abort.signal.aborted) throw state.abort.signal.reason;
        this.restoredRecords += n;
        state.restores.set(spec.name, { records: n, ms: Date.now() - started });
        this.options.logger.info(
          { taskId, store: spec.name, records: n, from: from[spec.changelogTopic], ms: Date.now() - started },
          'store restored',
        );
        const topic = spec.changelogTopic;
        const delivered = (report: unknown) => {
          const offset = (report as { offset?: unknown } | undefined)?.offset;
          if (typeof offset === 'number' && offset + 1 > (positions[topic] ?? 0))
            positions[topic] = offset + 1;
        };
        unhook.push(
          store.onChange((key, value) => {
            state.uncommitted = true;
            const sent = this.options.onChangelog({ topic, partition, key, value });
            if (sent instanceof Promise) sent.then(delivered, () => undefined);
          }),
        );
      };
      const step = (i: number): Promise<void> | undefined => {
        for (; i < definitions.length; i++) {
          const spec = definitions[i]!;
          const store = stores.getStore(spec.name);
          const started = Date.now();
          const n = restorer.restore(spec.changelogTopic, partition, store, from[spec.changelogTopic]);
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
        state.stores = stores;
        state.positions = positions;
        state.written = JSON.stringify(positions);
        state.uncommitted = false;
        state.wipe = false;
        state.unhook = unhook;
        this.options.logger.info({ taskId }, 'task created');
        return undefined;
      };
      return step(0)?.catch((e: unknown) => {
        for (const u of unhook) u();
        throw e;
      });
    } catch (e) {
      for (const u of unhook) u();
      throw e;
    }
  }
}
