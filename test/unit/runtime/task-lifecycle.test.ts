// The task lifecycle and store restore on the in-process transport: tasks go CREATED → RESTORING →
// RUNNING (one restore at a time), SUSPENDED while a revoke commits, then closed and gone; a store is
// rebuilt from its changelog partition (tombstones included) by a fresh task manager; a restore
// that throws leaves the task FAILED with its partition held, and a retry from fresh stores brings
// it to RUNNING with the store restored once.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { BusError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { TaskManager, type TaskManagerOptions } from '../../../runtime/engine/task-manager.js';
import { InProcessBroker } from '../../../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import type { ChangelogReader } from '../../../runtime/transport/types.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';

/** words → count per word in store `counts` (one sub-topology, id 0, no repartition). */
function countingPlan() {
  const builder = new TopologyBuilder();
  builder
    .stream('words', { key: Serdes.string(), value: Serdes.string(), name: 'words' })
    .groupByKey()
    .count({ name: 'counts', store: 'counts' })
    .toStream({ name: 'count-changes' })
    .to('word-counts', { name: 'counts-out', value: Serdes.json<number>() });
  return builder.build({ applicationId: 'lc' });
}

const plan = countingPlan();
const changelog = plan.stores[0]!.changelogTopic;

/** A task manager whose store providers are kept by task id, so a test can read the stores. */
function manager(restorer: ChangelogReader, extra: Partial<TaskManagerOptions> = {}) {
  const providers = new Map<string, InMemoryStoreProvider>();
  const tasks = new TaskManager({
    plan,
    clock: new ManualClock(),
    restorer,
    storeProvider: (definitions, taskId) => {
      const provider = new InMemoryStoreProvider(definitions);
      providers.set(taskId, provider);
      return provider;
    },
    logger: silentLogger(),
    onChangelog: () => undefined,
    onPunctuate: () => undefined,
    onRunning: () => undefined,
    onRestoreFailed: () => undefined,
    ...extra,
  });
  const counts = (taskId: string) => providers.get(taskId)!.getKeyValueStore<string, number>('counts');
  return { tasks, counts };
}

const words = (partition: number) => ({ topic: 'words', partition });

describe('task lifecycle', () => {
  it('CREATED → RESTORING → RUNNING one restore at a time; SUSPENDED during a revoke, then closed and gone', async () => {
    const broker = new InProcessBroker();
    const inner = new InProcessTransport({ broker }).changelogReader('lc');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // An asynchronous reader (like librdkafka's): each restore waits for the gate.
    const restorer: ChangelogReader = {
      restore: (topic, partition, store) => gate.then(() => inner.restore(topic, partition, store)),
      close: async () => undefined,
    };
    const { tasks } = manager(restorer);
    const held = tasks.assign([words(0), words(1)]);
    expect(held).toBeInstanceOf(Promise);
    expect(tasks.statuses()).toEqual({ '0_0': 'RESTORING', '0_1': 'CREATED' });
    expect(tasks.stateCounts()).toEqual({ CREATED: 1, RESTORING: 1, RUNNING: 0, SUSPENDED: 0, FAILED: 0 });
    expect(tasks.allRunning).toBe(false);
    expect(tasks.taskFor('words', 0)).toBeUndefined();
    release();
    expect(await held).toEqual([]);
    expect(tasks.statuses()).toEqual({ '0_0': 'RUNNING', '0_1': 'RUNNING' });
    expect(tasks.allRunning).toBe(true);

    tasks.suspend([words(0)]);
    expect(tasks.statuses()).toEqual({ '0_0': 'SUSPENDED', '0_1': 'RUNNING' });
    expect(tasks.taskFor('words', 0)).toBeUndefined(); // a suspended task processes nothing
    expect(tasks.taskFor('words', 1)).toBeDefined();
    expect(tasks.allRunning).toBe(false);
    tasks.revoke([words(0)]);
    expect(tasks.statuses()).toEqual({ '0_1': 'RUNNING' });
    expect(tasks.stateCounts()).toEqual({ CREATED: 0, RESTORING: 0, RUNNING: 1, SUSPENDED: 0, FAILED: 0 });
    expect(tasks.allRunning).toBe(true);
    tasks.closeAll();
    expect(tasks.statuses()).toEqual({});
  });

  it('restores a store from its changelog partition: a fresh manager sees the last value of every key, deletes included', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2, config: { 'cleanup.policy': 'compact' } });
    const transport = new InProcessTransport({ broker });
    const first = manager(transport.changelogReader('lc'), { onChangelog: (r) => void broker.produce(r) });
    expect(first.tasks.assign([words(1)])).toEqual([]);
    const written = first.counts('0_1');
    written.put('a', 1);
    written.put('a', 3);
    written.put('b', 5);
    written.delete('b');
    written.put('c', 7);
    first.tasks.closeAll();
    written.put('after-close', 9); // no longer hooked to the changelog
    expect(broker.fetch(changelog, 1, 0)).toHaveLength(5);
    expect(broker.fetch(changelog, 0, 0)).toHaveLength(0);

    const second = manager(transport.changelogReader('lc'));
    expect(second.tasks.assign([words(1)])).toEqual([]);
    expect(second.tasks.statuses()).toEqual({ '0_1': 'RUNNING' });
    expect(second.tasks.restoredRecords).toBe(5);
    const restored = second.counts('0_1');
    expect(restored.all().map((kv) => [kv.key, kv.value])).toEqual([
      ['a', 3],
      ['c', 7],
    ]);
    second.tasks.closeAll();
  });

  it('a restore that throws leaves the task FAILED and its partition held; the retry restores fresh stores and runs it', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2 });
    const transport = new InProcessTransport({ broker });
    const writer = manager(transport.changelogReader('lc'), { onChangelog: (r) => void broker.produce(r) });
    writer.tasks.assign([words(0)]);
    writer.counts('0_0').put('a', 1);
    writer.counts('0_0').put('a', 2);
    writer.tasks.closeAll();
    const inner = transport.changelogReader('lc');
    let failures = 2;
    let attempts = 0;
    const restorer: ChangelogReader = {
      restore(topic, partition, store) {
        attempts++;
        const n = inner.restore(topic, partition, store);
        if (failures-- > 0) {
          // Dropped half-way, like a broker connection lost mid-replay: the store holds a partial state.
          store.restore(Buffer.from('partial'), broker.fetch(changelog, 0, 0)[0]!.value);
          throw new BusError('KAFKA_CONSUME', 'changelog unreadable', { retriable: true });
        }
        return n;
      },
      close: async () => undefined,
    };
    const running: string[] = [];
    const failed: BusError[] = [];
    const { tasks, counts } = manager(restorer, {
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
      onRunning: (tps) => running.push(...tps.map((tp) => `${tp.topic}:${tp.partition}`)),
      onRestoreFailed: (e) => failed.push(e),
    });
    expect(tasks.assign([words(0)])).toEqual([words(0)]); // held: its records must not be read
    expect(tasks.statuses()).toEqual({ '0_0': 'FAILED' });
    expect(tasks.stateCounts().FAILED).toBe(1);
    expect(tasks.taskFor('words', 0)).toBeUndefined();
    expect(tasks.allRunning).toBe(false);
    const deadline = Date.now() + 2000;
    while (running.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(running).toEqual(['words:0']);
    expect(attempts).toBe(3);
    expect(failed).toEqual([]);
    expect(tasks.statuses()).toEqual({ '0_0': 'RUNNING' });
    expect(tasks.taskFor('words', 0)).toBeDefined();
    // Fresh stores per attempt: nothing of the failed replays survives.
    const store = counts('0_0');
    expect(store.size).toBe(1);
    expect(store.get('a')).toBe(2);
    expect(tasks.restoredRecords).toBe(2);
    tasks.closeAll();
  });
});
