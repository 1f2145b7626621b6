// The service-facing consumer: `subscribe({ types | families | priorities, where }, handler)` for
// services that only consume. It reads the families' domain topics in a consumer group, skips
// records of other types by their `tm-event-type` header before decoding, decodes the rest, applies
// the content predicate, and commits a record only after the handler's promise resolved
// (at-least-once). Failures follow the bus's contract (subscriber-failures.ts): a retriable one
// holds the record and retries with backoff, then stops the subscription; a record that cannot be
// decoded goes to `<groupId>-dlq` and the subscription goes on; a handler failure stops it without
// committing past the record unless `errorHandlers.processing` decides otherwise.

import type { ConnectionConfig } from '../../core/config.js';
import type { BusError } from '../../core/errors.js';
import { HEADERS } from '../../core/headers.js';
import type { Logger } from '../../core/logger.js';
import type { RetryOptions } from '../../core/retry.js';
import {
  CATALOG,
  EVENT_FAMILIES,
  type EventFamily,
  type EventType,
  familyOf,
  isEventType,
  type Priority,
  priorityOf,
} from '../../schemas/catalog.js';
import { type AvroSerde, familySerde, type SchemaRegistry } from '../../schemas/index.js';
import type { RawRecord } from '../../topology/plan.js';
import { BusConsumer, toRawRecord } from '../kafka/consumer.js';
import { DeadLetterWriter } from './dead-letter-writer.js';
import type { EventLike } from './event-publisher.js';
import {
  defaultSubscriberErrorHandlers,
  defaultSubscriberRetry,
  type RecordRunOptions,
  recordFailure,
  runRecord,
  type SubscriberErrorHandlers,
} from './subscriber-failures.js';

export interface SubscriptionFilter<E extends EventLike = EventLike> {
  types?: readonly EventType[];
  families?: readonly EventFamily[];
  priorities?: readonly Priority[];
  /** Content predicate (subscriber preferences), applied after decoding. */
  where?: (event: E) => boolean;
}

export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

export interface EventSubscriberOptions {
  connection: ConnectionConfig;
  registry: SchemaRegistry;
  /** Consumer group: instances with the same group share the work. */
  groupId: string;
  /** Topic per family, overriding the catalog's domain topics. */
  topics?: Partial<Record<EventFamily, string>>;
  logger?: Logger;
  /**
   * Decisions for non-retriable failures: undecodable records and handler errors.
   * @default { deserialization: () => Decision.DEAD_LETTER, processing: () => Decision.FAIL }
   */
  errorHandlers?: SubscriberErrorHandlers;
  /**
   * Where undecodable records (and handler failures decided `DEAD_LETTER`) go, with `tm-dlq-*`
   * headers. Created on first use when missing.
   * @default `${groupId}-dlq`
   */
  deadLetterTopic?: string;
  /** Replication factor of the dead-letter topic when it has to be created. @default 1 */
  replicationFactor?: number;
  /**
   * Backoff for retriable failures (registry, broker or a handler's dependency unreachable): the
   * record is held and tried again; when retries run out the subscription stops (`onFailed`).
   * @default { retries: 10, initialDelayMs: 250, maxDelayMs: 10_000 }
   */
  retry?: RetryOptions;
  /** Called once when the subscription stopped on a failure; the record was not committed. */
  onFailed?: (e: BusError) => void;
}

export interface Subscription {
  /** Resolves when the group has been joined and partitions assigned. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Which event types a filter admits (all conditions must hold). */
export function admittedTypes(filter: SubscriptionFilter): Set<EventType> {
  const admitted = new Set<EventType>();
  for (const family of EVENT_FAMILIES) {
    for (const type of Object.keys(CATALOG[family].types) as EventType[]) {
      if (filter.types && !filter.types.includes(type)) continue;
      if (filter.families && !filter.families.includes(family)) continue;
      if (filter.priorities && !filter.priorities.includes(priorityOf(type))) continue;
      admitted.add(type);
    }
  }
  return admitted;
}

/**
 * @example
 * const sub = await subscribe(
 *   { connection, registry, groupId: 'risk-alerts', onFailed: (e) => log.error(e) },
 *   { families: ['RiskEvent'] },
 *   async (event) => alerts.push(event),
 * );
 */
export async function subscribe<E extends EventLike = EventLike>(
  options: EventSubscriberOptions,
  filter: SubscriptionFilter<E>,
  handler: (event: E, position: RecordPosition) => Promise<void> | void,
): Promise<Subscription> {
  const types = admittedTypes(filter as SubscriptionFilter);
  const families = [...new Set([...types].map(familyOf))];
  const serdes = new Map<string, AvroSerde<unknown>>();
  const topicOf = (family: EventFamily) => options.topics?.[family] ?? CATALOG[family].topic;
  for (const family of families) {
    const topic = topicOf(family);
    serdes.set(topic, (await familySerde(options.registry, family, { topic })) as AvroSerde<unknown>);
  }
  const log = options.logger;
  const deadLetters = new DeadLetterWriter({
    connection: options.connection,
    topic: options.deadLetterTopic ?? `${options.groupId}-dlq`,
    applicationId: options.groupId,
    replicationFactor: options.replicationFactor,
  });
  const closing = new AbortController();
  const runOptions: RecordRunOptions = {
    groupId: options.groupId,
    handlers: { ...defaultSubscriberErrorHandlers, ...options.errorHandlers },
    retry: { ...defaultSubscriberRetry, ...options.retry },
    deadLetter: (failure) => deadLetters.write(failure),
    signal: closing.signal,
    onRetry: (f, attempt, delayMs) =>
      log?.warn(
        { err: f.error, stage: f.stage, attempt, delayMs },
        'retriable failure: record held, retrying',
      ),
    onSkipped: (f, decision) =>
      log?.warn(
        { err: f.error, stage: f.stage, decision, deadLetterTopic: deadLetters.topic },
        'record skipped',
      ),
  };

  /** One attempt at a record: pre-filter, decode, predicate, handler. Throws `RecordFailure`. */
  const deliver = async (record: RawRecord): Promise<void> => {
    const headerType = record.headers[HEADERS.eventType]?.toString();
    // Records of other types are skipped on their header, without decoding.
    if (headerType !== undefined && isEventType(headerType) && !types.has(headerType)) return;
    const ctx = { topic: record.topic, partition: record.partition, offset: record.offset };
    let event: E;
    try {
      const serde = serdes.get(record.topic)!;
      const bytes = record.value as Buffer;
      await serde.prepare(bytes, ctx);
      event = serde.deserialize(bytes, ctx) as E;
      if (!types.has(event.header.eventType) || (filter.where && !filter.where(event))) return;
    } catch (e) {
      throw recordFailure(e, 'decode', record);
    }
    try {
      await handler(event, ctx);
    } catch (e) {
      throw recordFailure(e, 'handler', record);
    }
  };

  let stopped = false;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const consumer: BusConsumer = new BusConsumer({
    connection: options.connection,
    groupId: options.groupId,
    topics: families.map(topicOf),
    logger: log,
    onAssign: () => markReady(),
    onBatch: async (messages) => {
      for (const m of messages) {
        if (stopped) return;
        const record = toRawRecord(m);
        const outcome = await runRecord(record, () => deliver(record), runOptions);
        if (!outcome.commit) {
          if (outcome.error && !stopped) stop(outcome.error, record);
          return;
        }
        consumer.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }]);
      }
    },
    onError: (e) => log?.warn({ err: e }, 'subscriber error'),
  });

  // Stop without committing past the record: a restart (same group) sees it again.
  const stop = (error: BusError, at: RawRecord) => {
    stopped = true;
    log?.error(
      { err: error, topic: at.topic, partition: at.partition, offset: at.offset },
      'subscription stopped',
    );
    options.onFailed?.(error);
    // Not awaited: close() waits for this very batch to return.
    void close();
  };
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      stopped = true;
      closing.abort();
      await consumer.close();
      await deadLetters.close();
    })());

  await consumer.connect();
  consumer.start();
  return { ready, close };
}
