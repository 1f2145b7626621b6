// Per-record failure policy (STYLE practice 7): a handler looks at the failure and returns a
// decision. Defaults: a retriable failure (registry, broker, Redis unreachable) is retried on the
// same record — a valid record must never reach a dead-letter topic because a dependency blinked;
// bytes that cannot be decoded and records a stage cannot process go to the dead-letter topic and
// the pipeline keeps running (SPEC §6); a record that cannot be written after the producer's own
// retries fails the runtime, because skipping it would lose an acknowledged event.

import { type BusError, errorMessage, isBusError } from '../../core/errors.js';
import { DEAD_LETTER_HEADERS } from '../../core/headers.js';
import type { OutgoingRecord, RecordHeaders } from '../../core/record.js';
import type { RawRecord } from '../../topology/plan.js';

export const Decision = {
  /** Skip the record, commit past it. */
  CONTINUE: 'CONTINUE',
  /** Stop the runtime without committing past the record; it is reprocessed after restart. */
  FAIL: 'FAIL',
  /** Write the record, with headers saying what failed, to the dead-letter topic; go on. */
  DEAD_LETTER: 'DEAD_LETTER',
  /**
   * Hold the record's partition (processing waits, order is kept) and process the same record again
   * after a backoff; once the runtime's retry budget is spent, FAIL naming the dependency.
   */
  RETRY: 'RETRY',
} as const;
export type Decision = (typeof Decision)[keyof typeof Decision];

export interface FailureContext {
  readonly record: RawRecord;
  readonly error: BusError;
  /** Stage that failed, when known. */
  readonly stage?: string;
  /** `error.retriable`: the same record may succeed later (a dependency is unreachable). */
  readonly retriable: boolean;
  /** Attempts made on this record so far (1 on the first failure). */
  readonly attempt: number;
}

export type ErrorHandler = (failure: FailureContext) => Decision;

export interface ErrorHandlers {
  /**
   * Bytes that are not valid framed Avro, unknown schema ids, truncated or oversize records.
   * @default RETRY when `failure.retriable`, else DEAD_LETTER
   */
  deserialization?: ErrorHandler;
  /**
   * A stage threw, or a record could not be prepared (its writer schema fetched).
   * @default RETRY when `failure.retriable`, else DEAD_LETTER
   */
  processing?: ErrorHandler;
  /**
   * An output could not be written after the producer's retries. Outputs are handed over without
   * keeping them (as Kafka Streams' RecordCollector), so the handler learns where the record was
   * going, not the record. CONTINUE skips it; FAIL stops the runtime before any commit past it
   * (exactly-once: aborts and rewinds). @default FAIL
   */
  production?: (error: BusError, where: { topic: string; partition?: number }) => Decision;
}

/** Retry what may succeed later; dead-letter what never will. */
export const retryOrDeadLetter: ErrorHandler = (failure) =>
  failure.retriable ? Decision.RETRY : Decision.DEAD_LETTER;

export const defaultErrorHandlers: Required<ErrorHandlers> = {
  deserialization: retryOrDeadLetter,
  processing: retryOrDeadLetter,
  production: () => Decision.FAIL,
};

/** True for errors raised while decoding a record's bytes. */
export function isDeserializationError(e: unknown): boolean {
  return isBusError(e) && e.code.startsWith('SERDE_');
}

/**
 * The dead-letter record of a failed input: the original key, value and headers, plus headers that
 * name the error, the stage and the original topic/partition/offset.
 */
export function deadLetterRecord(
  topic: string,
  applicationId: string,
  failure: Pick<FailureContext, 'record' | 'error' | 'stage'>,
): OutgoingRecord<Buffer | null, Buffer | null> {
  const { record, error } = failure;
  const headers: RecordHeaders = { ...record.headers };
  const put = (name: string, value: string | number | boolean | undefined) => {
    if (value !== undefined) headers[name] = Buffer.from(String(value));
  };
  put(DEAD_LETTER_HEADERS.errorCode, error.code);
  put(DEAD_LETTER_HEADERS.errorMessage, errorMessage(error).slice(0, 4096));
  put(DEAD_LETTER_HEADERS.errorClass, error.name);
  put(DEAD_LETTER_HEADERS.retriable, error.retriable);
  put(DEAD_LETTER_HEADERS.stage, failure.stage ?? error.context.stage);
  put(DEAD_LETTER_HEADERS.topic, record.topic);
  put(DEAD_LETTER_HEADERS.partition, record.partition);
  put(DEAD_LETTER_HEADERS.offset, record.offset);
  put(DEAD_LETTER_HEADERS.timestamp, record.timestamp);
  put(DEAD_LETTER_HEADERS.applicationId, applicationId);
  return { topic, key: record.key, value: record.value, headers, timestamp: record.timestamp };
}
