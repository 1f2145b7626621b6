// Task checkpoints with LMDB stores on the in-process transport: at-least-once, a commit records
// per changelog partition the offset after the task's last acknowledged changelog write; a task
// that comes back to an instance with an older local copy restores only the changelog records
// written since (by another owner meanwhile), and keeps its local state. Exactly-once trusts a
// local copy only after a clean close (no store write since the last commit); otherwise it wipes
// it and restores the changelog in full.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import {
  LmdbStoreProvider,
  lmdbStoreProvider,
  lmdbTaskDirectory,
} from '../../../processors/stores/lmdbStoreProvider.js';
import { TaskManager, type TaskManagerOptions } from '../../../runtime/engine/task-manager.js';
import { InProcessBroker } from '../../../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import { Serdes, TopologyBuilder } from '../../../topology/index.js';

const root = mkdtempSync(join(tmpdir(), 'tmbus-checkpoint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function countingPlan() {
  const builder = new TopologyBuilder();
  builder
    .stream('words', { key: Serdes.string(), value: Serdes.string(), name: 'words' })
    .groupByKey()
    .count({ name: 'counts', store: 'counts' })
    .toStream({ name: 'count-changes' })
    .to('word-counts', { name: 'counts-out', value: Serdes.json<number>() });
  return builder.build({ applicationId: 'cp' });
}

const plan = countingPlan();
const changelog = plan.stores[0]!.changelogTopic;
const words1 = { topic: 'words', partition: 1 };

/** A task manager on LMDB stores under `stateDir`, producing its changelog writes to `broker`. */
function manager(broker: InProcessBroker, stateDir: string, extra: Partial<TaskManagerOptions> = {}) {
  const providers = new Map<string, LmdbStoreProvider>();
  const create = lmdbStoreProvider({ stateDir, applicationId: 'cp' });
  const tasks = new TaskManager({
    plan,
    clock: new ManualClock(),
    restorer: new InProcessTransport({ broker }).changelogReader('cp'),
    storeProvider: (definitions, taskId) => {
      const provider = create(definitions, taskId);
      providers.set(taskId, provider);
      return provider;
    },
    logger: silentLogger(),
    // Resolves with the record's position, as a producer's delivery report does.
    onChangelog: (r) => Promise.resolve(broker.produce(r)),
    onPunctuate: () => undefined,
    onRunning: () => undefined,
    onRestoreFailed: () => undefined,
    ...extra,
  });
  const counts = (taskId: string) => providers.get(taskId)!.getKeyValueStore<string, number>('counts');
  const metadata = (taskId: string) => providers.get(taskId)!.readMetadata();
  return { tasks, counts, metadata };
}

const contents = (store: ReturnType<ReturnType<typeof manager>['counts']>) =>
  store.all().map((kv) => [kv.key, kv.value]);

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
}

describe('task checkpoints (LMDB stores)', () => {
  it('a commit checkpoints the acknowledged changelog offsets; a returning task restores only the tail', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2, config: { 'cleanup.policy': 'compact' } });
    const here = join(root, 'here');
    const first = manager(broker, here);
    expect(first.tasks.assign([words1])).toEqual([]);
    expect(first.metadata('0_1')).toBeUndefined();
    first.counts('0_1').put('a', 1);
    first.counts('0_1').put('a', 3);
    first.counts('0_1').put('b', 5);
    await new Promise((r) => setTimeout(r, 0)); // delivery reports
    first.tasks.checkpoint();
    await until(() => first.metadata('0_1') !== undefined);
    expect(first.metadata('0_1')).toEqual({ checkpoint: { [changelog]: 3 }, clean: false });
    first.tasks.closeAll();

    // The task moves to another instance (a fresh state directory): it restores in full and writes on.
    const elsewhere = manager(broker, join(root, 'elsewhere'));
    expect(elsewhere.tasks.assign([words1])).toEqual([]);
    expect(elsewhere.tasks.restoredRecords).toBe(3);
    elsewhere.counts('0_1').put('d', 2);
    elsewhere.counts('0_1').put('e', 4);
    elsewhere.counts('0_1').delete('b');
    await new Promise((r) => setTimeout(r, 0));
    elsewhere.tasks.closeAll();
    expect(broker.fetch(changelog, 1, 0)).toHaveLength(6);

    // A write only in the local copy shows the returning task kept it rather than wiping it.
    const local = new LmdbStoreProvider(
      lmdbTaskDirectory({ stateDir: here, applicationId: 'cp' }, '0_1'),
      plan.stores,
    );
    local.getKeyValueStore<string, number>('counts').put('local-only', 1);
    await local.close();

    const back = manager(broker, here);
    expect(back.tasks.assign([words1])).toEqual([]);
    expect(back.tasks.restoredRecords).toBe(3); // offsets 3..5 only
    expect(contents(back.counts('0_1'))).toEqual([
      ['a', 3],
      ['d', 2],
      ['e', 4],
      ['local-only', 1],
    ]);
    back.tasks.closeAll();
  });

  it('closing a task checkpoints its acknowledged writes without a commit', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2 });
    const dir = join(root, 'on-close');
    const first = manager(broker, dir);
    first.tasks.assign([words1]);
    for (let i = 0; i < 4; i++) first.counts('0_1').put(`k${i}`, i);
    await new Promise((r) => setTimeout(r, 0));
    first.tasks.closeAll();
    const again = manager(broker, dir);
    again.tasks.assign([words1]);
    expect(again.tasks.restoredRecords).toBe(0);
    expect(again.metadata('0_1')).toEqual({ checkpoint: { [changelog]: 4 }, clean: false });
    expect(again.counts('0_1').size).toBe(4);
    again.tasks.closeAll();
  });

  it('exactly-once wipes a local copy not closed cleanly and restores the changelog in full', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2 });
    const dir = join(root, 'eos');
    const first = manager(broker, dir, { exactlyOnce: true });
    expect(await first.tasks.assign([words1])).toEqual([]);
    first.counts('0_1').put('a', 1);
    first.counts('0_1').put('b', 2);
    await new Promise((r) => setTimeout(r, 0));
    first.tasks.checkpoint(); // the transaction committed
    first.tasks.closeAll(); // nothing written since: a clean close
    // A write that reached the local copy but no committed transaction (the changelog has 2 records).
    const local = new LmdbStoreProvider(
      lmdbTaskDirectory({ stateDir: dir, applicationId: 'cp' }, '0_1'),
      plan.stores,
    );
    expect(local.readMetadata()).toEqual({ checkpoint: { [changelog]: 2 }, clean: true });
    local.getKeyValueStore<string, number>('counts').put('uncommitted', 9);
    local.writeMetadata({ checkpoint: { [changelog]: 2 }, clean: false });
    await local.close();

    const eos = manager(broker, dir, { exactlyOnce: true });
    const held = eos.tasks.assign([words1]);
    expect(held).toBeInstanceOf(Promise); // the wipe is asynchronous
    expect(await held).toEqual([]);
    expect(eos.tasks.restoredRecords).toBe(2);
    expect(contents(eos.counts('0_1'))).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    eos.counts('0_1').put('c', 3);
    await new Promise((r) => setTimeout(r, 0));
    eos.tasks.checkpoint();
    eos.counts('0_1').put('d', 4); // written after the last commit: the close is not clean
    await new Promise((r) => setTimeout(r, 0));
    eos.tasks.closeAll();
    const next = manager(broker, dir, { exactlyOnce: true });
    await next.tasks.assign([words1]);
    expect(next.tasks.restoredRecords).toBe(4);
    next.tasks.closeAll();
  });

  it('exactly-once restores only the tail after a clean close, and marks the copy unclean while running', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2 });
    const dir = join(root, 'eos-clean');
    const first = manager(broker, dir, { exactlyOnce: true });
    await first.tasks.assign([words1]);
    for (let i = 0; i < 5; i++) first.counts('0_1').put(`k${i}`, i);
    await new Promise((r) => setTimeout(r, 0));
    first.tasks.checkpoint();
    first.tasks.closeAll();
    const again = manager(broker, dir, { exactlyOnce: true });
    expect(again.tasks.assign([words1])).toEqual([]); // no wipe: synchronous in-process
    expect(again.tasks.restoredRecords).toBe(0);
    expect(again.counts('0_1').size).toBe(5);
    expect(again.metadata('0_1')).toEqual({ checkpoint: { [changelog]: 5 }, clean: false });
    again.tasks.closeAll();
  });

  it('a checkpoint beyond the changelog end (a recreated changelog) fails the restore, and the retry wipes and replays', async () => {
    const broker = new InProcessBroker();
    broker.createTopic(changelog, { partitions: 2 });
    const dir = join(root, 'ahead');
    const first = manager(broker, dir);
    first.tasks.assign([words1]);
    first.counts('0_1').put('a', 1);
    first.counts('0_1').put('stale', 2);
    await new Promise((r) => setTimeout(r, 0));
    first.tasks.closeAll();
    // The changelog is recreated with one record: the local copy's checkpoint (2) is past its end (1).
    const fresh = new InProcessBroker();
    fresh.createTopic(changelog, { partitions: 2 });
    fresh.produce({
      topic: changelog,
      partition: 1,
      key: plan.stores[0]!.keySerde.serialize('a', { topic: changelog }) as Buffer,
      value: plan.stores[0]!.valueSerde.serialize(7, { topic: changelog }) as Buffer,
    });
    const running: string[] = [];
    const back = manager(fresh, dir, {
      retry: { initialDelayMs: 5, maxDelayMs: 10 },
      onRunning: (tps) => running.push(...tps.map((tp) => `${tp.topic}:${tp.partition}`)),
    });
    expect(back.tasks.assign([words1])).toEqual([words1]);
    expect(back.tasks.statuses()).toEqual({ '0_1': 'FAILED' });
    await until(() => running.length > 0);
    expect(running).toEqual(['words:1']);
    expect(back.tasks.restoredRecords).toBe(1);
    expect(contents(back.counts('0_1'))).toEqual([['a', 7]]);
    back.tasks.closeAll();
  });
});
