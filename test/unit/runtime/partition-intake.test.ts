// PartitionIntake's flow control: a full partition is paused on its own; when all queues together
// are full, every partition whose next record is not CRITICAL is paused and the rest are still read — so a
// CRITICAL record on a partition with no backlog reaches its lane at once — and they resume once
// half is processed; only at twice the cap does the consume loop itself wait.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/clock.js';
import { OffsetTracker } from '../../../runtime/engine/offset-tracker.js';
import { PartitionIntake } from '../../../runtime/engine/partition-intake.js';
import { PriorityLaneScheduler } from '../../../runtime/lanes/priority-lane-scheduler.js';
import type { GroupMember, TopicPartition, TransportRecord } from '../../../runtime/transport/types.js';

function setup(o: { maxQueued: number; maxQueuedPerPartition?: number }) {
  const scheduler = new PriorityLaneScheduler<TransportRecord>({ agingMs: 10_000 });
  const tracker = new OffsetTracker();
  const paused = new Set<string>();
  const name = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;
  // The intake only pauses and resumes the member: record what it asks for.
  const consumer = {
    pause: (tps: TopicPartition[]) => {
      for (const tp of tps) paused.add(name(tp));
    },
    resume: (tps: TopicPartition[]) => {
      for (const tp of tps) paused.delete(name(tp));
    },
  } as unknown as GroupMember;
  const intake = new PartitionIntake({
    applicationId: 'app',
    consumer,
    priorityOf: (r) => (r.topic === 'risk' ? 'CRITICAL' : 'HIGH'),
    scheduler,
    tracker,
    clock: systemClock(),
    tableTopics: new Set(),
    conflateTopics: new Set(),
    maxQueuedPerPartition: o.maxQueuedPerPartition ?? 1_000,
    maxQueued: o.maxQueued,
    kick: () => undefined,
  });
  const offsets = new Map<string, number>();
  const records = (topic: string, partition: number, n: number): TransportRecord[] =>
    Array.from({ length: n }, () => {
      const key = `${topic}:${partition}`;
      const offset = offsets.get(key) ?? 0;
      offsets.set(key, offset + 1);
      return { topic, partition, offset, key: null, value: Buffer.from('v'), timestamp: 0, headers: {} };
    });
  /** Processes `n` records the way the runtime's drain does, then lets the intake resume. */
  const process = (n: number) => {
    const done: string[] = [];
    for (let i = 0; i < n; i++) {
      const item = scheduler.next(Date.now());
      if (!item) break;
      done.push(`${item.values[0]!.topic}:${item.values[0]!.partition}`);
      tracker.finish(item.queue, item.values[0]!.offset);
      scheduler.release(item);
    }
    intake.resumeDrained();
    intake.releaseCapacity();
    return done;
  };
  return { intake, scheduler, paused, records, process };
}

describe('PartitionIntake', () => {
  it('pauses a partition whose own queue is full, and resumes it once half of it is processed', () => {
    const t = setup({ maxQueued: 1_000, maxQueuedPerPartition: 4 });
    t.intake.accept([...t.records('market', 0, 4), ...t.records('market', 1, 1)]);
    expect([...t.paused]).toEqual(['market:0']);
    t.process(3); // market:0, market:1, market:0 (heads of one lane take turns)
    expect([...t.paused]).toEqual(['market:0']); // 2 of 4 left: not below half yet
    t.process(1);
    expect([...t.paused]).toEqual([]);
  });

  it('when all queues are full, pauses the partitions with a backlog below CRITICAL and still reads the others', () => {
    const t = setup({ maxQueued: 10 });
    const waited = t.intake.accept([...t.records('market', 0, 8), ...t.records('market', 1, 4)]);
    expect(waited).toBeUndefined(); // the consume loop goes on
    expect([...t.paused].sort()).toEqual(['market:0', 'market:1']);
    // A risk alert on a partition with nothing waiting is queued at once and processed first.
    expect(t.intake.accept(t.records('risk', 0, 1))).toBeUndefined();
    expect(t.paused.has('risk:0')).toBe(false);
    expect(t.process(1)).toEqual(['risk:0']);
    t.process(7); // 5 left: not below half of 10
    expect([...t.paused].sort()).toEqual(['market:0', 'market:1']);
    t.process(1);
    expect([...t.paused]).toEqual([]);
  });

  it('only at twice the cap does the consume loop wait, until the queues are below the cap', async () => {
    const t = setup({ maxQueued: 5 });
    const waited = t.intake.accept(t.records('market', 0, 10));
    expect(waited).toBeInstanceOf(Promise);
    let released = false;
    void waited?.then(() => {
      released = true;
    });
    t.process(4);
    await Promise.resolve();
    expect(released).toBe(false); // 6 left
    t.process(1);
    await Promise.resolve();
    expect(released).toBe(true);
  });
});
