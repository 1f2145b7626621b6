// The one retry primitive of the bus: exponential backoff with jitter that honours the `retriable`
// flag of `BusError`s and reports every attempt when it gives up. Circuit breakers come from
// cockatiel (see `circuitBreaker` below) so there is one library for both.

import {
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker as cockatielBreaker,
  handleAll,
} from 'cockatiel';
import { BusError, errorMessage, isBusError } from './errors.js';

export interface RetryOptions {
  /** Attempts after the first one (`Infinity` for no count limit, with `maxElapsedMs`). @default 5 */
  retries?: number;
  /**
   * Gives up once this long has passed since the first attempt, ms: no retry starts after it, and
   * the last wait is cut short to end at it. @default Infinity
   */
  maxElapsedMs?: number;
  /** Delay before the first retry, ms. @default 100 */
  initialDelayMs?: number;
  /** Growth of the delay per attempt. @default 2 */
  multiplier?: number;
  /** Upper bound of one delay, ms. @default 10_000 */
  maxDelayMs?: number;
  /** Fraction of the delay randomised (0 = none, 1 = full jitter). @default 0.2 */
  jitter?: number;
  /** Decides whether an error is worth another try. @default BusError.retriable, else true */
  isRetriable?: (e: unknown) => boolean;
  /** Aborts waiting between attempts. */
  signal?: AbortSignal;
  /** Called before each retry with the error and the delay chosen. */
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

/** Thrown when every attempt failed; `attempts` holds each error in order. */
export class RetriesExhaustedError extends BusError {
  readonly attempts: unknown[];
  constructor(attempts: unknown[]) {
    const last = attempts[attempts.length - 1];
    super(
      isBusError(last) ? last.code : 'TIMEOUT',
      `gave up after ${attempts.length} attempt(s): ${errorMessage(last)}`,
      { cause: last, retriable: false, context: isBusError(last) ? last.context : {} },
    );
    this.attempts = attempts;
  }
}

const defaultIsRetriable = (e: unknown): boolean => (isBusError(e) ? e.retriable : true);

/** Delay before retry number `attempt` (1-based), without jitter. */
export function backoffDelay(attempt: number, o: RetryOptions = {}): number {
  const initial = o.initialDelayMs ?? 100;
  const multiplier = o.multiplier ?? 2;
  return Math.min(o.maxDelayMs ?? 10_000, initial * multiplier ** (attempt - 1));
}

/**
 * Runs `fn` until it succeeds, an error is not retriable, or retries run out.
 *
 * @example
 * const meta = await retry(() => admin.describe(topic), { retries: 3 });
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const jitter = options.jitter ?? 0.2;
  const isRetriable = options.isRetriable ?? defaultIsRetriable;
  const deadline = Date.now() + (options.maxElapsedMs ?? Number.POSITIVE_INFINITY);
  const errors: unknown[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      errors.push(e);
      if (!isRetriable(e)) throw e;
      const left = deadline - Date.now();
      if (attempt >= retries || left <= 0) throw new RetriesExhaustedError(errors);
      const base = backoffDelay(attempt + 1, options);
      const delay = Math.min(left, Math.round(base * (1 - jitter + Math.random() * jitter * 2)));
      options.onRetry?.(e, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. @default 5 */
  consecutiveFailures?: number;
  /** Time the breaker stays open before a half-open trial, ms. @default 10_000 */
  halfOpenAfterMs?: number;
}

/**
 * A circuit breaker around an external call (registry, enrichment service, …). When open, calls
 * fail fast with cockatiel's `BrokenCircuitError`; wrap it with `BusError('CIRCUIT_OPEN')` at the
 * call site to give context.
 */
export function circuitBreaker(options: BreakerOptions = {}): CircuitBreakerPolicy {
  return cockatielBreaker(handleAll, {
    halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
    breaker: new ConsecutiveBreaker(options.consecutiveFailures ?? 5),
  });
}
