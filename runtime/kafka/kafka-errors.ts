// librdkafka's errors as the bus's `KafkaError`s: which ones are worth retrying, and what a failed
// transactional call asks for. Shared by the producer, the consumer, the admin and ops clients.

import { isBusError, KafkaError } from '../../core/errors.js';

/** librdkafka's ERR__QUEUE_FULL: its produce queue has no room (wait for reports, then retry). */
export const ERR_QUEUE_FULL = -184;
/** librdkafka's ERR__STATE: the client is not connected (or closed meanwhile). */
export const ERR_NOT_CONNECTED = -172;

const RETRIABLE_CODES = new Set([-185, -195, -187, -192, 7, 6, 5, 15, ERR_QUEUE_FULL]);

/** Wraps a librdkafka error into a `KafkaError` with its retriable flag. */
export function kafkaError(
  code: 'KAFKA_PRODUCE' | 'KAFKA_CONSUME' | 'KAFKA_ADMIN' | 'KAFKA_TRANSACTION' | 'KAFKA_CONNECTION',
  message: string,
  err: unknown,
  context = {},
) {
  const e = err as { code?: number; isRetriable?: boolean; message?: string } | undefined;
  const retriable = Boolean(e?.isRetriable) || (e?.code !== undefined && RETRIABLE_CODES.has(e.code));
  return new KafkaError(code, `${message}: ${e?.message ?? String(err)}`, { cause: err, retriable, context });
}

const ERR_FENCED = new Set([-144, 90, 47]); // ERR__FENCED, PRODUCER_FENCED, INVALID_PRODUCER_EPOCH

/**
 * What a failed transactional operation asks for (librdkafka's transactional error model):
 * `retriable` — call the same operation again; `abortable` — abort the transaction and rewind to
 * the last commit; `fatal` — the producer is unusable (fenced): create a new one.
 */
export function transactionErrorKind(e: unknown): 'retriable' | 'abortable' | 'fatal' {
  const cause = (isBusError(e) ? e.cause : e) as
    | { code?: number; isFatal?: boolean; isRetriable?: boolean; isTxnRequiresAbort?: boolean }
    | undefined;
  if (cause?.isFatal || (cause?.code !== undefined && ERR_FENCED.has(cause.code))) return 'fatal';
  if (cause?.isTxnRequiresAbort) return 'abortable';
  if (cause?.isRetriable) return 'retriable';
  return 'abortable';
}
