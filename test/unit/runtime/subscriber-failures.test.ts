// subscribe()'s failure contract without a broker: which failures are retried on the same record,
// which are dead-lettered, which stop the subscription, and what the dead-letter write is given.
import { describe, expect, it } from 'vitest';
import { BusError, SchemaRegistryError, SerdeError } from '../../../core/errors.js';
import {
  defaultSubscriberErrorHandlers,
  type RecordRunOptions,
  recordFailure,
  runRecord,
} from '../../../runtime/client/subscriber-failures.js';
import { Decision, type FailureContext } from '../../../runtime/engine/error-handlers.js';
import type { RawRecord } from '../../../topology/plan.js';

const record: RawRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41,
  key: Buffer.from('AAPL'),
  value: Buffer.from([1, 2, 3]),
  timestamp: 1_700_000_000_000,
  headers: {},
};

const registryDown = () =>
  new SchemaRegistryError('SCHEMA_REGISTRY_UNAVAILABLE', 'connect ECONNREFUSED', { retriable: true });
const garbage = () =>
  new SerdeError('SERDE_MAGIC_BYTE', 'first byte is 0x01, expected 0x00', {
    context: { topic: 'orders', partition: 2, offset: 41 },
  });

function harness(overrides: Partial<RecordRunOptions> = {}) {
  const deadLettered: FailureContext[] = [];
  const retries: number[] = [];
  const options: RecordRunOptions = {
    groupId: 'g1',
    handlers: defaultSubscriberErrorHandlers,
    retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 2 },
    deadLetter: async (f) => void deadLettered.push(f),
    signal: new AbortController().signal,
    onRetry: (_f, n) => retries.push(n),
    ...overrides,
  };
  return { options, deadLettered, retries };
}

/** An attempt that fails with the given errors in turn (at the given stage), then succeeds. */
function failing(stage: 'decode' | 'handler', errors: unknown[]) {
  let calls = 0;
  const attempt = async () => {
    const e = errors[calls++];
    if (e !== undefined) throw recordFailure(e, stage, record);
  };
  return { attempt, calls: () => calls };
}

describe('subscribe() failure contract', () => {
  it('holds a record whose decode failed retriably and commits it once the registry answers', async () => {
    const { options, deadLettered, retries } = harness();
    const run = failing('decode', [registryDown(), registryDown()]);
    expect(await runRecord(record, run.attempt, options)).toEqual({ commit: true });
    expect(run.calls()).toBe(3);
    expect(retries).toEqual([1, 2]);
    expect(deadLettered).toEqual([]);
  });

  it('never dead-letters a retriable failure: the budget runs out and the subscription stops', async () => {
    const { options, deadLettered } = harness();
    const run = failing('decode', Array.from({ length: 10 }, registryDown));
    const outcome = await runRecord(record, run.attempt, options);
    expect(outcome.commit).toBe(false);
    expect(run.calls()).toBe(4);
    expect(deadLettered).toEqual([]);
    const error = (outcome as { error: BusError }).error;
    expect(error.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(error.message).toContain("subscription 'g1' at orders[2]@41 (decode)");
    expect(error.message).toContain('the schema registry still failing after 4 attempt(s)');
  });

  it('dead-letters bytes that will never decode, with the error and the stage, and commits past them', async () => {
    const { options, deadLettered, retries } = harness();
    const run = failing('decode', [garbage()]);
    expect(await runRecord(record, run.attempt, options)).toEqual({ commit: true });
    expect(run.calls()).toBe(1);
    expect(retries).toEqual([]);
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]!.error.code).toBe('SERDE_MAGIC_BYTE');
    expect(deadLettered[0]!.stage).toBe('decode');
    expect(deadLettered[0]!.retriable).toBe(false);
    expect(deadLettered[0]!.record).toBe(record);
  });

  it('dead-letters a record that turned out undecodable once the registry came back', async () => {
    const { options, deadLettered } = harness();
    const run = failing('decode', [registryDown(), garbage()]);
    expect(await runRecord(record, run.attempt, options)).toEqual({ commit: true });
    expect(deadLettered.map((f) => [f.error.code, f.attempt])).toEqual([['SERDE_MAGIC_BYTE', 2]]);
  });

  it('shows the handlers each failure once, with its retriable flag and attempt number', async () => {
    const seen: [boolean, number, string][] = [];
    const { options, deadLettered } = harness({
      handlers: {
        ...defaultSubscriberErrorHandlers,
        deserialization: (f) => {
          seen.push([f.retriable, f.attempt, f.error.code]);
          return f.retriable ? Decision.RETRY : Decision.DEAD_LETTER;
        },
      },
    });
    const run = failing('decode', [registryDown(), registryDown(), garbage()]);
    expect(await runRecord(record, run.attempt, options)).toEqual({ commit: true });
    expect(seen).toEqual([
      [true, 1, 'SCHEMA_REGISTRY_UNAVAILABLE'],
      [true, 2, 'SCHEMA_REGISTRY_UNAVAILABLE'],
      [false, 3, 'SERDE_MAGIC_BYTE'],
    ]);
    expect(deadLettered).toHaveLength(1);
  });

  it('stops on a handler failure by default, without committing or dead-lettering', async () => {
    const { options, deadLettered } = harness();
    const run = failing('handler', [new Error('database said no')]);
    const outcome = await runRecord(record, run.attempt, options);
    expect(outcome.commit).toBe(false);
    const error = (outcome as { error: BusError }).error;
    expect(error.code).toBe('PROCESSING_FAILED');
    expect(error.message).toContain('database said no');
    expect(error.context).toMatchObject({ topic: 'orders', partition: 2, offset: 41, stage: 'handler' });
    expect(deadLettered).toEqual([]);
  });

  it('retries a handler that failed retriably, and lets a policy dead-letter other handler failures', async () => {
    const { options, deadLettered } = harness({
      handlers: {
        ...defaultSubscriberErrorHandlers,
        processing: (f) => (f.retriable ? Decision.RETRY : Decision.DEAD_LETTER),
      },
    });
    const redisDown = new BusError('KAFKA_CONNECTION', 'down', { retriable: true });
    const retried = failing('handler', [redisDown]);
    expect(await runRecord(record, retried.attempt, options)).toEqual({ commit: true });
    expect(retried.calls()).toBe(2);
    const poisoned = failing('handler', [new Error('bad order')]);
    expect(await runRecord(record, poisoned.attempt, options)).toEqual({ commit: true });
    expect(deadLettered.map((f) => [f.error.code, f.stage])).toEqual([['PROCESSING_FAILED', 'handler']]);
  });

  it('does not commit a record whose dead-letter write failed', async () => {
    const { options } = harness({
      deadLetter: async () => {
        throw new BusError('KAFKA_PRODUCE', 'topic authorization failed');
      },
    });
    const outcome = await runRecord(record, failing('decode', [garbage()]).attempt, options);
    expect(outcome.commit).toBe(false);
    expect((outcome as { error: BusError }).error.message).toContain(
      'could not be written to its dead-letter topic',
    );
  });

  it('gives up waiting quietly when the subscription is closed mid-retry', async () => {
    const abort = new AbortController();
    const { options } = harness({
      signal: abort.signal,
      retry: { maxAttempts: 100, initialDelayMs: 10_000 },
    });
    const pending = runRecord(record, failing('decode', [registryDown()]).attempt, options);
    setTimeout(() => abort.abort(), 20);
    expect(await pending).toEqual({ commit: false });
  });
});
