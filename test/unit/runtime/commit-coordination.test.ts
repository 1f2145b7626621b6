// Commit coordination on the in-process transport (CommitCoordinator + OffsetTracker +
// OutputWriter, wired as the runtime wires them). Outputs are handed over with no promise per
// record (Kafka Streams' RecordCollector) and offsets finish at once; at-least-once commits only
// after the writer's barrier — every output handed over before the commit acknowledged — while
// processing goes on, and never once an output failed for good; a revoke's commit waits for
// in-flight outputs; exactly-once commits offsets through the transaction only once its outputs
// are acknowledged, and not at all if the transaction was abandoned meanwhile.

import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BusError } from '../../../core/errors.js';
import { RuntimeMetrics } from '../../../runtime/observability/runtime-metrics.js';
import { engineHarness, flushMicrotasks } from './engine-harness.js';

const values = (h: ReturnType<typeof engineHarness>) =>
  h.broker.fetch('out', 0, 0).map((r) => r.value?.toString());

describe('CommitCoordinator', () => {
  it('at-least-once commits only once every output handed over before the commit is acknowledged', async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    h.processRecord(2, 'c', 'd');
    h.processRecord(3, 'e');
    expect(h.broker.fetch('out', 0, 0)).toHaveLength(5); // written at once; acknowledgements pending
    const committing = h.commits.commit();
    h.processRecord(4, 'f'); // processing goes on while the commit waits at the barrier
    h.producer.ack(0, 2, 3, 4); // a, c, d, e — b (record 1) still unacknowledged
    await flushMicrotasks();
    expect(h.committed()).toBeUndefined();
    h.producer.ack(1);
    await committing;
    expect(h.committed()).toBe(4); // record 4 came after the barrier: the next commit's
    expect(h.commits.commit()).not.toBe(committing);
    h.producer.ack(5);
    await h.commits.commit();
    expect(h.committed()).toBe(5);
    const commits = h.commits.commits;
    await h.commits.commit();
    expect(h.commits.commits).toBe(commits); // nothing new: no commit call
    expect(h.failures).toEqual([]);
  });

  it('at-least-once with reports only for errors: the barrier is a flush; what is sent meanwhile waits for it, in order', async () => {
    const h = engineHarness({ flushBarrier: true });
    h.processRecord(0, 'a');
    h.processRecord(1, 'b', 'c');
    const committing = h.commits.commit();
    expect(h.producer.flushing).toBe(1);
    // Processing goes on; a flush only ends once nothing more is handed over, so its outputs wait.
    expect(h.commits.committing).toBeUndefined();
    h.processRecord(2, 'd', 'e');
    expect(h.outputs.heldCount).toBe(2);
    expect(values(h)).toEqual(['a', 'b', 'c']);
    h.producer.ack(0, 2);
    await flushMicrotasks();
    expect(h.committed()).toBeUndefined(); // b (record 1) not yet acknowledged
    h.producer.ack(1);
    await committing;
    expect(h.committed()).toBe(2); // record 2 finished during the flush: the next commit's
    expect(values(h)).toEqual(['a', 'b', 'c', 'd', 'e']); // handed over when the flush ended
    expect(h.outputs.heldCount).toBe(0);
    expect(h.resumes()).toBe(1); // processing told it may go on
    const next = h.commits.commit();
    h.producer.ack(3, 4);
    await next;
    expect(h.committed()).toBe(3);
    expect(h.failures).toEqual([]);
  });

  it('at-least-once: expedite() hands what a running flush holds over at once, in order', async () => {
    const h = engineHarness({ flushBarrier: true });
    h.processRecord(0, 'a');
    const committing = h.commits.commit();
    h.processRecord(1, 'b'); // held by the running flush
    expect(values(h)).toEqual(['a']);
    h.outputs.send(h.out('critical'));
    h.outputs.expedite(); // a CRITICAL record's outputs: not after the flush
    expect(values(h)).toEqual(['a', 'b', 'critical']);
    expect(h.outputs.heldCount).toBe(0);
    h.processRecord(2, 'c'); // the flush still runs: later outputs are held again
    expect(h.outputs.heldCount).toBe(1);
    h.producer.ack(0);
    await committing;
    expect(h.committed()).toBe(1);
    expect(values(h)).toEqual(['a', 'b', 'critical', 'c']);
  });

  it('at-least-once: a barrier asked for during a flush also flushes what that flush held', async () => {
    const h = engineHarness({ flushBarrier: true });
    h.processRecord(0, 'a');
    const first = h.commits.commit();
    h.processRecord(1, 'b'); // held by the running flush
    const revoking = h.commits.commitRevoked([{ topic: 'in', partition: 0 }]);
    h.producer.ack(0);
    await first;
    expect(h.committed()).toBe(1);
    await flushMicrotasks();
    expect(values(h)).toEqual(['a', 'b']);
    expect(h.committed()).toBe(1); // b is handed over but not yet acknowledged
    h.producer.ack(1);
    await revoking;
    expect(h.committed()).toBe(2);
  });

  it('at-least-once: past maxHeld records waiting for a flush the writer is full', async () => {
    const h = engineHarness({ flushBarrier: true, maxHeld: 2 });
    h.processRecord(0, 'a');
    const committing = h.commits.commit();
    h.processRecord(1, 'b');
    expect(h.outputs.full).toBe(false);
    h.processRecord(2, 'c');
    expect(h.outputs.full).toBe(true); // the runtime stops processing until the flush ends
    h.producer.ack(0);
    await committing;
    expect(h.outputs.full).toBe(false);
    expect(values(h)).toEqual(['a', 'b', 'c']);
  });

  it('observes how long each commit took, flush included, per guarantee', async () => {
    const registry = new Registry();
    const h = engineHarness({ flushBarrier: true, metrics: new RuntimeMetrics(registry) });
    h.processRecord(0, 'a');
    const committing = h.commits.commit();
    await new Promise((r) => setTimeout(r, 30)); // the broker answers late: the commit waits for it
    h.producer.ack(0);
    await committing;
    const values = (await registry.getSingleMetric('tmbus_commit_latency_seconds')!.get()).values as {
      metricName?: string;
      value: number;
      labels: object;
    }[];
    const count = values.find((v) => v.metricName === 'tmbus_commit_latency_seconds_count');
    const sum = values.find((v) => v.metricName === 'tmbus_commit_latency_seconds_sum');
    expect(count).toMatchObject({ value: 1, labels: { guarantee: 'at_least_once' } });
    expect(sum!.value).toBeGreaterThanOrEqual(0.025);
  });

  it('at-least-once with reports only for errors: a failed output stops every commit', async () => {
    const h = engineHarness({ flushBarrier: true });
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    const lost = new BusError('KAFKA_PRODUCE', 'message timed out', { retriable: false });
    const committing = h.commits.commit();
    h.producer.ack(0);
    h.producer.nack(1, lost);
    await committing;
    expect(h.committed()).toBeUndefined();
    expect(h.failures).toEqual([lost]);
    h.processRecord(2, 'c');
    h.producer.ack(2);
    await h.commits.commit();
    expect(h.committed()).toBeUndefined(); // nothing is committed past the lost output
  });

  it('an output that failed for good stops every commit (the production handler said FAIL)', async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    h.processRecord(2, 'c');
    const lost = new BusError('KAFKA_PRODUCE', 'message timed out', { retriable: false });
    const committing = h.commits.commit();
    h.producer.ack(0, 2);
    h.producer.nack(1, lost);
    await committing;
    expect(h.committed()).toBeUndefined(); // record 1 is read again after the restart
    expect(h.failures).toEqual([lost]);
  });

  it("a revoke's commit waits until the partition's in-flight outputs are acknowledged", async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    h.producer.ack(0);
    let done = false;
    const revoked = h.commits.commitRevoked([{ topic: 'in', partition: 0 }]).then(() => {
      done = true;
    });
    await flushMicrotasks();
    expect(done).toBe(false);
    expect(h.committed()).toBeUndefined();
    h.producer.ack(1);
    await revoked;
    expect(h.committed()).toBe(2);
  });

  it('a commit that waited at the barrier does not commit a partition revoked meanwhile', async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    const late = h.commits.commit();
    h.processRecord(1, 'b');
    const revoked = h.commits.commitRevoked([{ topic: 'in', partition: 0 }]);
    h.producer.ack(0, 1);
    await revoked;
    h.tracker.forget('in:0');
    await late;
    expect(h.committed()).toBe(2); // not moved back to 1 by the earlier snapshot
  });

  it('exactly-once commits the offsets in the transaction once its outputs are acknowledged, holding writes meanwhile', async () => {
    const h = engineHarness({ guarantee: 'exactly_once' });
    await h.commits.begin();
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    const committing = h.commits.commit();
    expect(h.commits.committing).toBe(committing); // processing must not write now
    await flushMicrotasks();
    expect(h.committed()).toBeUndefined(); // waiting for the acknowledgements
    h.producer.ack(0, 1);
    await committing;
    expect(h.commits.committing).toBeUndefined();
    expect(h.committed()).toBe(2);
    expect(h.commits.commits).toBe(1);
  });

  it('exactly-once: a commit begun before the transaction was abandoned (reset) commits nothing', async () => {
    const h = engineHarness({ guarantee: 'exactly_once' });
    await h.commits.begin();
    h.processRecord(0, 'a');
    const committing = h.commits.commit();
    await flushMicrotasks();
    // Recovery abandons the transaction: the writer disowns its writes, the coordinator its commit.
    h.outputs.reset();
    h.commits.reset();
    h.producer.ack(0);
    await committing;
    expect(h.committed()).toBeUndefined();
    expect(h.commits.commits).toBe(0);
    expect(h.failures).toEqual([]);
  });
});
