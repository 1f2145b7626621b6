// A commit that is inside a transactional call when exactly-once recovery abandons its transaction
// (the broker kill of the failover test: sendOffsetsToTransaction times out, retriably, while a
// delivery failure starts the recovery) must not call again: the retry would run against the
// transaction the recovery began — writing the aborted transaction's offsets into it — and would
// keep `committing` set, holding all processing, for as long as the retries last.
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../core/errors.js';
import { engineHarness, flushMicrotasks } from './engine-harness.js';

describe('exactly-once: a commit abandoned during a transactional call', () => {
  it('is not retried once the transaction was reset, and releases the commit gate', async () => {
    const h = engineHarness({ guarantee: 'exactly_once' });
    let calls = 0;
    // librdkafka's answer to a call that timed out: retriable (ERR__TIMED_OUT).
    h.producer.sendOffsetsToTransaction = async () => {
      calls++;
      throw new KafkaError('KAFKA_TRANSACTION', 'sendOffsetsToTransaction failed: Local: Timed out', {
        cause: { code: -185, isRetriable: true },
        retriable: true,
      });
    };
    await h.commits.begin();
    h.processRecord(0, 'a');
    h.producer.ack(0);
    const committing = h.commits.commit();
    for (let i = 0; i < 5 && calls === 0; i++) await flushMicrotasks();
    expect(calls).toBe(1);
    // The recovery abandons the transaction while the commit waits to call again.
    h.outputs.reset();
    h.commits.reset();
    const started = Date.now();
    await committing;
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000); // not after 200 + 400 + 800 ms of retries
    expect(h.commits.committing).toBeUndefined();
    expect(h.failures).toEqual([]);
  });
});
