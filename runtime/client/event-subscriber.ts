// The service-facing consumer: `subscribe({ types | families | priorities, where }, handler)` for
// services that only consume. It reads the families' domain topics in a consumer group, skips
// records of other types by their `tm-event-type` header before decoding, decodes the rest, applies
// the content predicate, and commits a record only after the handler's promise resolved
// (at-least-once). A handler failure stops the subscription without committing past the record.

import type { ConnectionConfig } from '../../core/config.js';
import { HEADERS } from '../../core/headers.js';
import type { Logger } from '../../core/logger.js';
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
import { BusConsumer } from '../kafka/consumer.js';
import type { EventLike } from './event-publisher.js';

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
  /** Called when the handler (or decoding) failed and the subscription stopped. */
  onFailed?: (e: unknown) => void;
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
  let failed: unknown;
  const onFailed = options.onFailed;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const consumer: BusConsumer = new BusConsumer({
    connection: options.connection,
    groupId: options.groupId,
    topics: families.map(topicOf),
    logger: options.logger,
    onAssign: () => markReady(),
    onBatch: async (messages) => {
      if (failed) return;
      for (const m of messages) {
        try {
          const typeHeader = m.headers?.find((h) => HEADERS.eventType in h)?.[HEADERS.eventType];
          const headerType = typeHeader === undefined ? undefined : String(typeHeader);
          if (headerType === undefined || !isEventType(headerType) || types.has(headerType)) {
            const serde = serdes.get(m.topic)!;
            const bytes = m.value as Buffer;
            const ctx = { topic: m.topic, partition: m.partition, offset: m.offset };
            await serde.prepare(bytes, ctx);
            const event = serde.deserialize(bytes, ctx) as E;
            if (types.has(event.header.eventType) && (!filter.where || filter.where(event))) {
              await handler(event, ctx);
            }
          }
        } catch (e) {
          // Stop without committing past the record: a restart (same group) sees it again.
          failed = e;
          options.logger?.error(
            { err: e, topic: m.topic, partition: m.partition, offset: m.offset },
            'subscription stopped',
          );
          onFailed?.(e);
          void consumer.close();
          return;
        }
        consumer.commit([{ topic: m.topic, partition: m.partition, offset: m.offset + 1 }]);
      }
    },
    onError: (e) => options.logger?.warn({ err: e }, 'subscriber error'),
  });
  await consumer.connect();
  consumer.start();
  return { ready, close: () => consumer.close() };
}
