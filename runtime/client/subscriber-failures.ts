// What `subscribe()` does with a record it could not decode or whose handler failed: the runtime's
// contract (one `Decision` type, the `tm-dlq-*` headers of `deadLetterRecord`, one retry budget).
// The error handlers see the failure with its `retriable` flag; by default a retriable failure
// (registry, broker, a handler's dependency unreachable) holds the record and retries it with
// backoff, then stops the subscription without committing past it — such a record is probably
// valid, so it never reaches a dead-letter topic. Bytes that will never decode go to the
// dead-letter topic and the subscription goes on.

import { BusError, errorMessage, isBusError, ProcessingError, SerdeError } from '../../core/errors.js';
import { RetriesExhaustedError, retry } from '../../core/retry.js';
import type { RawRecord } from '../../topology/plan.js';
import {
  Decision,
  type ErrorHandler,
  type FailureContext,
  retryOrDeadLetter,
} from '../engine/error-handlers.js';
import { type RuntimeRetryOptions, retriesExhausted, retryOptions } from '../engine/record-retry.js';

/** Where a subscriber failed: reading the record, or in the caller's handler. */
export type SubscriberStage = 'decode' | 'handler';

/** Error handlers of a subscription. `RETRY` holds the record within the retry budget. */
export interface SubscriberErrorHandlers {
  /**
   * Bytes that are not valid framed Avro, an unknown schema id, another family's schema, or the
   * registry unreachable while fetching a writer schema (`failure.retriable`).
   * @default RETRY when `failure.retriable`, else DEAD_LETTER
   */
  deserialization?: ErrorHandler;
  /**
   * The handler threw or rejected. By default a non-retriable failure keeps the record: the
   * subscription stops without committing past it and a restart of the group delivers it again.
   * Return `DEAD_LETTER` to park it and go on, `CONTINUE` to skip it.
   * @default RETRY when `failure.retriable`, else FAIL
   */
  processing?: ErrorHandler;
}

export const defaultSubscriberErrorHandlers: Required<SubscriberErrorHandlers> = {
  deserialization: retryOrDeadLetter,
  processing: (failure) => (failure.retriable ? Decision.RETRY : Decision.FAIL),
};

/**
 * A held record stops the whole consume loop, so the budget must end well before the consumer's
 * `max.poll.interval.ms` (300 s), after which the broker would take the partitions away.
 */
export const defaultSubscriberRetry: RuntimeRetryOptions = { maxElapsedMs: 120_000 };

/** A failure of one attempt at a record, tagged with the stage that failed. */
export class RecordFailure extends Error {
  constructor(
    readonly stage: SubscriberStage,
    readonly error: BusError,
  ) {
    super(error.message, { cause: error });
  }
}

/** Anything thrown at `stage`, as the `BusError` the handlers and the dead-letter headers need. */
export function recordFailure(e: unknown, stage: SubscriberStage, record: RawRecord): RecordFailure {
  if (e instanceof RecordFailure) return e;
  if (isBusError(e)) return new RecordFailure(stage, e);
  const context = { topic: record.topic, partition: record.partition, offset: record.offset, stage };
  const error =
    stage === 'decode'
      ? new SerdeError('SERDE_DECODE', `record is not a readable catalog event: ${errorMessage(e)}`, {
          cause: e,
          context,
        })
      : new ProcessingError(`subscription handler threw: ${errorMessage(e)}`, { cause: e, context });
  return new RecordFailure(stage, error);
}

/** The handler's decision on a failure at the given attempt (1 = first). */
export function decideFailure(
  record: RawRecord,
  failure: RecordFailure,
  attempt: number,
  handlers: Required<SubscriberErrorHandlers>,
): Decision {
  const context: FailureContext = {
    record,
    error: failure.error,
    stage: failure.stage,
    retriable: failure.error.retriable,
    attempt,
  };
  return failure.stage === 'decode' ? handlers.deserialization(context) : handlers.processing(context);
}

export interface RecordRunOptions {
  groupId: string;
  handlers: Required<SubscriberErrorHandlers>;
  retry: RuntimeRetryOptions;
  /** Writes the dead-letter record of a failure; resolves once the broker acknowledged it. */
  deadLetter: (failure: FailureContext) => Promise<unknown>;
  /** Aborted by `close()`: ends a wait between retries. */
  signal: AbortSignal;
  onRetry?: (failure: RecordFailure, attempt: number, delayMs: number) => void;
  onSkipped?: (failure: RecordFailure, decision: Decision) => void;
}

/** What became of a record: commit past it, or stop here (`error` unset when closing). */
export type RecordOutcome = { commit: true } | { commit: false; error?: BusError };

const COMMIT: RecordOutcome = { commit: true };

/**
 * Runs `attempt` for one record and applies the failure contract. `attempt` throws
 * `RecordFailure`s; the path without a failure costs one try/catch.
 */
export async function runRecord(
  record: RawRecord,
  attempt: () => Promise<void>,
  o: RecordRunOptions,
): Promise<RecordOutcome> {
  let failure: RecordFailure;
  try {
    await attempt();
    return COMMIT;
  } catch (e) {
    failure = recordFailure(e, 'decode', record);
  }
  let attempts = 1;
  let decision = decideFailure(record, failure, attempts, o.handlers);
  if (decision === Decision.RETRY) {
    const started = Date.now();
    const first = failure;
    try {
      await retry(
        async (n) => {
          // Attempt 0 is the one made above: thrown again so that the next one waits a backoff.
          if (n === 0) throw first;
          attempts = n + 1;
          await attempt();
        },
        {
          ...retryOptions(o.retry),
          signal: o.signal,
          isRetriable: (e) => {
            if (e === first) return true; // decided above
            failure = recordFailure(e, 'decode', record);
            decision = decideFailure(record, failure, attempts, o.handlers);
            return decision === Decision.RETRY;
          },
          onRetry: (_e, n, delayMs) => o.onRetry?.(failure, n, delayMs),
        },
      );
      return COMMIT;
    } catch (e) {
      if (o.signal.aborted) return { commit: false };
      if (e instanceof RetriesExhaustedError) {
        const where = `subscription '${o.groupId}' at ${position(record)} (${failure.stage})`;
        return {
          commit: false,
          error: retriesExhausted(where, failure.error, attempts, Date.now() - started),
        };
      }
      // Otherwise the handlers decided something other than RETRY on `failure`.
    }
  }
  if (decision === Decision.FAIL || decision === Decision.RETRY)
    return { commit: false, error: failure.error };
  if (decision === Decision.DEAD_LETTER) {
    const context = {
      record,
      error: failure.error,
      stage: failure.stage,
      retriable: failure.error.retriable,
      attempt: attempts,
    };
    try {
      await retry(() => o.deadLetter(context), {
        ...retryOptions(o.retry),
        signal: o.signal,
        isRetriable: (e) => isBusError(e) && e.retriable,
      });
    } catch (e) {
      if (o.signal.aborted) return { commit: false };
      const last = e instanceof RetriesExhaustedError ? e.attempts[e.attempts.length - 1] : e;
      const message = `subscription '${o.groupId}' stopped: ${position(record)} could not be written to its dead-letter topic, so it was not committed: ${errorMessage(last)}`;
      const code = isBusError(last) ? last.code : 'KAFKA_PRODUCE';
      return { commit: false, error: new BusError(code, message, { cause: last }) };
    }
  }
  o.onSkipped?.(failure, decision);
  return COMMIT;
}

function position(record: RawRecord): string {
  return `${record.topic}[${record.partition}]@${record.offset}`;
}
