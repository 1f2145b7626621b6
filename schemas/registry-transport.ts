// How every registry request travels: through the project's one retry primitive (retriable
// failures only) and one circuit breaker (cockatiel), failing fast while the breaker is open so a
// registry outage costs callers milliseconds, not a timeout per call.

import { BrokenCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import { isBusError, SchemaRegistryError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  type BreakerOptions,
  circuitBreaker,
  RetriesExhaustedError,
  type RetryOptions,
  retry,
} from '../core/retry.js';
import { type RegistryConnection, type RegistryRequest, registryRequest } from './registry-request.js';

export interface RegistryTransportOptions {
  url: string;
  connection: RegistryConnection;
  retry: RetryOptions;
  breaker: BreakerOptions | undefined;
  logger: Logger;
  fetch: typeof fetch;
}

export class RegistryTransport {
  private readonly breaker: CircuitBreakerPolicy;

  constructor(private readonly options: RegistryTransportOptions) {
    this.breaker = circuitBreaker(options.breaker);
  }

  /** One registry call: retried when retriable, through the breaker. */
  async call<T>(req: RegistryRequest): Promise<T> {
    try {
      return await retry(() => this.throughBreaker<T>(req), {
        ...this.options.retry,
        isRetriable: (e) => isBusError(e) && e.retriable && e.code !== 'CIRCUIT_OPEN',
        onRetry: (e, attempt, delayMs) =>
          this.options.logger.warn(
            { err: e, attempt, delayMs, path: req.path },
            'schema registry call failed, retrying',
          ),
      });
    } catch (e) {
      // Keep the registry error (and its retriable flag) rather than retry()'s generic wrapper:
      // callers branch on SchemaRegistryError codes, and "still down" is still worth retrying later.
      const last = e instanceof RetriesExhaustedError ? e.attempts[e.attempts.length - 1] : undefined;
      if (last instanceof SchemaRegistryError) {
        throw new SchemaRegistryError(
          last.code,
          `${last.message} (gave up after ${(e as RetriesExhaustedError).attempts.length} attempts)`,
          {
            retriable: last.retriable,
            cause: e,
            context: last.context,
          },
        );
      }
      throw e;
    }
  }

  private async throughBreaker<T>(req: RegistryRequest): Promise<T> {
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = await this.breaker.execute(async () => {
        try {
          return {
            value: await registryRequest<T>(
              this.options.fetch,
              this.options.url,
              req,
              this.options.connection,
            ),
          };
        } catch (e) {
          // Only unavailability counts against the breaker: a 404 or a refused schema is an answer.
          if (isBusError(e) && e.retriable) throw e;
          return { error: e };
        }
      });
    } catch (e) {
      if (e instanceof BrokenCircuitError) {
        throw new SchemaRegistryError(
          'CIRCUIT_OPEN',
          `schema registry ${this.options.url} is unavailable (circuit open after repeated failures)`,
          {
            retriable: true,
            cause: e,
            context: req.context,
          },
        );
      }
      throw e;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}
