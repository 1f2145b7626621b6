// OutputWriter on the in-process transport: `send` hands a record over with no promise, `write`
// (changelog) returns its delivery report; `settled` resolves once everything handed over
// before them is acknowledged, not what comes after; reset() disowns what was written (the barrier
// stops waiting, a late failure no longer fails the runtime); the production handler decides
// whether a failed write is skipped or fatal.
import { describe, expect, it } from 'vitest';
import { BusError } from '../../../core/errors.js';
import { Decision } from '../../../runtime/engine/error-handlers.js';
import { engineHarness, flushMicrotasks } from './engine-harness.js';

const lost = () => new BusError('KAFKA_PRODUCE', 'message timed out', { retriable: false });

describe('OutputWriter', () => {
  it('the barrier waits for every record handed over before it, and only those', async () => {
    const h = engineHarness();
    h.outputs.send(h.out('a'));
    const changelog = h.outputs.write(h.out('changelog-of-a'));
    let sealed = false;
    const barrier = h.outputs.settled().then(() => {
      sealed = true;
    });
    h.outputs.send(h.out('after'));
    expect(h.producer.acks.map((a) => a.record.key?.toString())).toEqual(['a', 'changelog-of-a', 'after']);
    h.producer.ack(0, 2);
    await flushMicrotasks();
    expect(sealed).toBe(false); // the changelog write is still unacknowledged
    h.producer.ack(1);
    await barrier;
    await expect(changelog).resolves.toBeDefined();
    expect(h.outputs.produced).toBe(3);
    expect(h.failures).toEqual([]);
  });

  it('a barrier does not wait for records handed over after it', async () => {
    const h = engineHarness();
    h.outputs.send(h.out('a'));
    const barrier = h.outputs.settled();
    h.outputs.send(h.out('b'));
    h.producer.ack(0);
    await barrier; // 'b' is still unacknowledged
    expect(h.producer.inFlight).toBe(2);
  });

  it('reports counted per tag release the barrier of their tag, not a later one', async () => {
    const h = engineHarness();
    h.outputs.send(h.out('a'));
    h.outputs.send(h.out('b'));
    let first = false;
    const barrier = h.outputs.settled().then(() => {
      first = true;
    });
    h.outputs.send(h.out('c')); // the next commit period's
    let second = false;
    const next = h.outputs.settled().then(() => {
      second = true;
    });
    h.producer.ackCounted(2); // 'a' and 'b' delivered, 'c' not yet
    await barrier;
    await flushMicrotasks();
    expect(first).toBe(true);
    expect(second).toBe(false);
    h.producer.ackCounted();
    await next;
    expect(h.failures).toEqual([]);
  });

  it('is full past maxUnreported outputs awaiting their reports, and says so when they come', async () => {
    const h = engineHarness({ maxUnreported: 3 });
    h.outputs.send(h.out('a'));
    h.outputs.send(h.out('b'));
    expect(h.outputs.full).toBe(false);
    h.outputs.send(h.out('c'));
    expect(h.outputs.full).toBe(true); // a broker that does not answer: processing pauses
    const before = h.resumes();
    h.producer.ackCounted();
    expect(h.outputs.full).toBe(false);
    expect(h.resumes()).toBe(before + 1);
  });

  it('a write that fails for good fails the runtime; after reset() it is disowned', async () => {
    const h = engineHarness();
    h.outputs.send(h.out('before-reset'));
    const e1 = lost();
    h.producer.nack(0, e1);
    await h.outputs.settled();
    expect(h.failures).toEqual([e1]);
    expect(h.outputs.failed).toBe(e1);

    h.outputs.reset();
    expect(h.outputs.failed).toBeUndefined();
    h.outputs.send(h.out('aborted'));
    let settled = false;
    const waiting = h.outputs.settled().then(() => {
      settled = true;
    });
    await flushMicrotasks();
    expect(settled).toBe(false);
    h.outputs.reset(); // its transaction is being aborted: stop waiting for its report
    await waiting;
    h.producer.nack(1, lost());
    await flushMicrotasks();
    expect(h.failures).toEqual([e1]); // the late failure belongs to the aborted transaction
  });

  it('the production handler decides: CONTINUE skips the failed output, FAIL stops commits', async () => {
    const skipping = engineHarness({ production: () => Decision.CONTINUE });
    skipping.processRecord(0, 'a');
    const c1 = skipping.commits.commit();
    skipping.producer.nack(0, lost());
    await c1;
    expect(skipping.committed()).toBe(1);
    expect(skipping.failures).toEqual([]);

    const failing = engineHarness({ production: () => Decision.FAIL });
    failing.processRecord(0, 'a');
    const c2 = failing.commits.commit();
    const e = lost();
    failing.producer.nack(0, e);
    await c2;
    expect(failing.committed()).toBeUndefined();
    expect(failing.failures).toEqual([e]);
  });
});
