// Retry decisions of the runtime's failure contract: which failures are retried by default, how the
// runtime budget maps to the one retry primitive, that the primitive stops at `maxElapsedMs`, and
// that the error which ends the retries names the dependency.
import { describe, expect, it } from 'vitest';
import {
  BusError,
  KafkaError,
  ProcessingError,
  SchemaRegistryError,
  SerdeError,
} from '../../../core/errors.js';
import { RetriesExhaustedError, retry } from '../../../core/retry.js';
import {
  Decision,
  defaultErrorHandlers,
  type FailureContext,
} from '../../../runtime/engine/error-handlers.js';
import { dependencyOf, retriesExhausted, retryOptions } from '../../../runtime/engine/record-retry.js';

const record = { topic: 't', partition: 0, offset: 5, key: null, value: null, timestamp: 0, headers: {} };
const failure = (error: BusError): FailureContext => ({
  record,
  error,
  stage: error.context.stage,
  retriable: error.retriable,
  attempt: 1,
});

describe('default error handlers', () => {
  it('retry a retriable failure and dead-letter one that will never succeed', () => {
    const registryDown = new SchemaRegistryError('SCHEMA_REGISTRY_UNAVAILABLE', 'connection refused', {
      retriable: true,
    });
    const brokerDown = new KafkaError('KAFKA_PRODUCE', 'all brokers down', { retriable: true });
    const notCached = new SerdeError('SERDE_UNKNOWN_SCHEMA', 'not cached yet', { retriable: true });
    const garbage = new SerdeError('SERDE_MAGIC_BYTE', 'bad frame');
    const bug = new ProcessingError('user code threw');
    expect(defaultErrorHandlers.processing(failure(registryDown))).toBe(Decision.RETRY);
    expect(defaultErrorHandlers.processing(failure(brokerDown))).toBe(Decision.RETRY);
    expect(defaultErrorHandlers.deserialization(failure(notCached))).toBe(Decision.RETRY);
    expect(defaultErrorHandlers.deserialization(failure(garbage))).toBe(Decision.DEAD_LETTER);
    expect(defaultErrorHandlers.processing(failure(bug))).toBe(Decision.DEAD_LETTER);
  });
});

describe('runtime retry budget', () => {
  it('defaults to five minutes of backoff from 100 ms to 10 s, without an attempt limit', () => {
    expect(retryOptions()).toEqual({
      retries: Number.POSITIVE_INFINITY,
      maxElapsedMs: 300_000,
      initialDelayMs: 100,
      maxDelayMs: 10_000,
    });
    expect(retryOptions({ maxAttempts: 3, maxElapsedMs: 1000 })).toMatchObject({
      retries: 2,
      maxElapsedMs: 1000,
    });
  });

  it('the retry primitive gives up at maxElapsedMs even with attempts left', async () => {
    const started = Date.now();
    let calls = 0;
    const failing = retry(
      async () => {
        calls++;
        throw new BusError('SCHEMA_REGISTRY_UNAVAILABLE', 'down', { retriable: true });
      },
      { ...retryOptions({ maxElapsedMs: 300, initialDelayMs: 20, maxDelayMs: 50 }), jitter: 0 },
    );
    await expect(failing).rejects.toBeInstanceOf(RetriesExhaustedError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(600);
    expect(calls).toBeGreaterThan(3);
  });

  it('the retry primitive returns once the dependency is back', async () => {
    let calls = 0;
    const value = await retry(
      async () => {
        if (++calls < 4) throw new KafkaError('KAFKA_CONNECTION', 'down', { retriable: true });
        return 'ok';
      },
      { ...retryOptions({ initialDelayMs: 1, maxDelayMs: 2 }) },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(4);
  });

  it('the error that ends the retries names the dependency and is not retriable', () => {
    const last = new SchemaRegistryError('SCHEMA_REGISTRY_UNAVAILABLE', 'connect ECONNREFUSED', {
      retriable: true,
      context: { topic: 't', partition: 0, offset: 5 },
    });
    const e = retriesExhausted('record t[0]@5', last, 12, 61_000);
    expect(e.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(e.retriable).toBe(false);
    expect(e.message).toContain('the schema registry still failing after 12 attempt(s) over 61 s');
    expect(e.message).toContain('ECONNREFUSED');
    expect(e.cause).toBe(last);
    expect(dependencyOf(new KafkaError('KAFKA_TRANSACTION', 'x'))).toBe('the Kafka cluster');
    expect(dependencyOf(new BusError('STORE_FAILED', 'x'))).toBe('a state store');
  });
});
