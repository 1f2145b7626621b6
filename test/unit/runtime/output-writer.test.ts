// OutputWriter on the in-process transport: writes made while a record is processed are attributed
// to it (its completion waits for exactly those), writes outside a record (punctuation, changelog)
// are the writer's own; settled() waits for every delivery report handed over; reset() disowns
// what was written (settled() stops waiting, a late failure no longer fails the runtime); the
// production handler decides whether a failed write is skipped or fatal.
import { describe, expect, it } from 'vitest';
import { BusError } from '../../../core/errors.js';
import { Decision } from '../../../runtime/engine/error-handlers.js';
import { engineHarness, flushMicrotasks } from './engine-harness.js';

const lost = () => new BusError('KAFKA_PRODUCE', 'message timed out', { retriable: false });

describe('OutputWriter', () => {
  it('attributes the writes made while a record is processed to that record, and only those', async () => {
    const h = engineHarness();
    h.outputs.write(h.out('stray-before')); // e.g. a punctuation's output
    const sends: Promise<unknown>[] = [];
    const result = h.outputs.collecting(sends, () => {
      h.outputs.write(h.out('x'));
      h.outputs.write(h.out('changelog-of-x'));
      return 'processed';
    });
    h.outputs.write(h.out('stray-after'));
    expect(result).toBe('processed');
    expect(sends).toHaveLength(2);
    expect(h.producer.acks.map((a) => a.record.key?.toString())).toEqual([
      'stray-before',
      'x',
      'changelog-of-x',
      'stray-after',
    ]);
    let recordDone = false;
    void Promise.all(sends).then(() => {
      recordDone = true;
    });
    h.producer.ack(0, 3); // the strays: the record is not done
    await flushMicrotasks();
    expect(recordDone).toBe(false);
    h.producer.ack(1, 2);
    await flushMicrotasks();
    expect(recordDone).toBe(true);
    expect(h.outputs.produced).toBe(4);
  });

  it('settled() waits for every write handed over, stray or settled by a record', async () => {
    const h = engineHarness();
    h.processRecord(0, 'a');
    h.outputs.write(h.out('stray'));
    let settled = false;
    const waiting = h.outputs.settled().then(() => {
      settled = true;
    });
    h.producer.ack(0);
    await flushMicrotasks();
    expect(settled).toBe(false); // the stray write is still unacknowledged
    h.producer.ack(1);
    await waiting;
    expect(settled).toBe(true);
    expect(h.failures).toEqual([]);
  });

  it('a stray write that fails for good fails the runtime; after reset() it is disowned', async () => {
    const h = engineHarness();
    h.outputs.write(h.out('before-reset'));
    const e1 = lost();
    h.producer.nack(0, e1);
    await h.outputs.settled();
    expect(h.failures).toEqual([e1]);

    h.outputs.write(h.out('aborted'));
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

  it('the production handler decides: CONTINUE skips the failed output, FAIL keeps the record unfinished', async () => {
    const skipping = engineHarness({ production: () => Decision.CONTINUE });
    skipping.processRecord(0, 'a');
    skipping.producer.nack(0, lost());
    await skipping.outputs.settled();
    expect(skipping.tracker.committable('in:0')).toBe(1); // finished: committed past
    expect(skipping.failures).toEqual([]);

    const failing = engineHarness({ production: () => Decision.FAIL });
    failing.processRecord(0, 'a');
    const e = lost();
    failing.producer.nack(0, e);
    await failing.outputs.settled();
    expect(failing.tracker.committable('in:0')).toBe(0);
    expect(failing.failures).toEqual([e]);
  });
});
