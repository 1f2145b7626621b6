// Commit coordination on the in-process transport (CommitCoordinator + OffsetTracker +
// OutputWriter, wired as the runtime wires them): at-least-once commits the lowest unfinished
// offset — never past a record whose outputs are not acknowledged, whether they are late or failed
// — a revoke's commit waits for in-flight outputs, and exactly-once commits offsets through the
// transaction only once its outputs are acknowledged, and not at all if the transaction was
// abandoned meanwhile.
import { describe, expect, it } from 'vitest';
import { BusError } from '../../../core/errors.js';
import { engineHarness, flushMicrotasks } from './engine-harness.js';

describe('CommitCoordinator', () => {
  it('at-least-once commits only up to the lowest record whose outputs are not acknowledged', async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    h.processRecord(2, 'c', 'd');
    h.processRecord(3, 'e');
    expect(h.broker.fetch('out', 0, 0)).toHaveLength(5); // written at once; acknowledgements pending
    await h.commits.commit();
    expect(h.committed()).toBe(0); // nothing finished: the group stays at the first record

    h.producer.ack(0, 2, 3, 4); // a, c, d, e — b (record 1) still unacknowledged
    await flushMicrotasks();
    await h.commits.commit();
    expect(h.committed()).toBe(1); // record 1 is read again after a crash; 2 and 3 with it

    h.producer.ack(1);
    await flushMicrotasks();
    await h.commits.commit();
    expect(h.committed()).toBe(4);
    const commits = h.commits.commits;
    await h.commits.commit();
    expect(h.commits.commits).toBe(commits); // nothing new: no commit call
    expect(h.failures).toEqual([]);
  });

  it('a record whose output failed for good stays uncommitted, and so does everything after it', async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    h.processRecord(1, 'b');
    h.processRecord(2, 'c');
    const lost = new BusError('KAFKA_PRODUCE', 'message timed out', { retriable: false });
    h.producer.ack(0, 2);
    h.producer.nack(1, lost);
    await flushMicrotasks();
    await h.commits.commit();
    expect(h.committed()).toBe(1);
    expect(h.failures).toEqual([lost]); // the production handler said FAIL: the runtime stops
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
