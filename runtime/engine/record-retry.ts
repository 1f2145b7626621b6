// How long the runtime keeps trying when a dependency is unreachable (a record whose failure is
// retriable, a store restore that fails): the budget, its translation to the one retry primitive
// (core/retry.ts), and the error that fails the runtime once the budget is spent — naming the
// dependency, so the operator knows what to fix.

import { BusError, errorMessage, isBusError } from '../../core/errors.js';
import type { RetryOptions } from '../../core/retry.js';

/**
 * Retry budget of a runtime: per record whose failure is retriable (schema registry, broker or Redis
 * unreachable) and per failed store restore. Whichever limit is reached first ends the retries and
 * fails the runtime.
 *
 * @example
 * new StreamsRuntime({ connection, plan, retry: { maxElapsedMs: 60_000, maxDelayMs: 5_000 } });
 */
export interface RuntimeRetryOptions {
  /** Attempts, the first included. @default Infinity (bounded by `maxElapsedMs`) */
  maxAttempts?: number;
  /** Longest time spent retrying one record or one restore, ms (Kafka Streams' `task.timeout.ms`). @default 300000 */
  maxElapsedMs?: number;
  /** Wait before the first retry, ms; it doubles per attempt. @default 100 */
  initialDelayMs?: number;
  /** Longest wait between two attempts, ms. @default 10000 */
  maxDelayMs?: number;
}

/** The retry primitive's options for a runtime budget. */
export function retryOptions(budget: RuntimeRetryOptions = {}): RetryOptions {
  return {
    retries: Math.max(0, (budget.maxAttempts ?? Number.POSITIVE_INFINITY) - 1),
    maxElapsedMs: budget.maxElapsedMs ?? 300_000,
    initialDelayMs: budget.initialDelayMs ?? 100,
    maxDelayMs: budget.maxDelayMs ?? 10_000,
  };
}

/** What an error says is unreachable, for the message that fails the runtime. */
export function dependencyOf(e: unknown): string {
  if (!isBusError(e)) return 'a dependency';
  if (e.code.startsWith('SCHEMA_') || e.code.startsWith('SERDE_')) return 'the schema registry';
  if (e.code.startsWith('KAFKA_')) return 'the Kafka cluster';
  if (e.code === 'STORE_FAILED') return 'a state store';
  if (e.code === 'CIRCUIT_OPEN') return `a dependency behind an open circuit breaker`;
  return `a dependency (${e.code})`;
}

/** The error that fails the runtime once retrying `what` has used the whole budget. */
export function retriesExhausted(what: string, last: unknown, attempts: number, elapsedMs: number): BusError {
  const code = isBusError(last) ? last.code : 'TIMEOUT';
  return new BusError(
    code,
    `${what}: ${dependencyOf(last)} still failing after ${attempts} attempt(s) over ${Math.round(elapsedMs / 1000)} s, giving up: ${errorMessage(last)}`,
    // The last error's message already locates it; its context is on `cause`.
    { cause: last, retriable: false },
  );
}
