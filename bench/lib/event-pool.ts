// The events the load generator offers, realistic catalog events pre-encoded once:
// 500 realistic events per family (cycling through the mix's event types), Confluent-framed Avro
// registered under the input topic's subject, keyed by the family's partition key, with the lane
// and type headers publishers set. Also gives the average encoded size, which sizes the records of
// the ceiling (Kafka's producer perf tool).

import { HEADERS } from '../../core/headers.js';
import {
  CATALOG,
  type EventType,
  familySerde,
  type Priority,
  priorityOf,
  type SchemaRegistry,
  sampleEvent,
} from '../../schemas/index.js';
import { inputTopic, type MixEntry } from '../runtime/mix.js';

export const POOL_SIZE = 500;

export interface PooledEvent {
  topic: string;
  key: Buffer;
  value: Buffer;
  type: EventType;
  priority: Priority;
}

/** What the bench topology keeps: every event but market data's VOLUME_UPDATE. */
export function survivesBenchTopology(type: EventType): boolean {
  return type !== 'VOLUME_UPDATE';
}

export async function buildPool(
  registry: SchemaRegistry,
  run: string,
  entry: MixEntry,
): Promise<PooledEvent[]> {
  const topic = inputTopic(run, entry.family);
  const serde = await familySerde(registry, entry.family, { topic });
  const items: PooledEvent[] = [];
  for (let i = 0; i < POOL_SIZE; i++) {
    const type = entry.types[i % entry.types.length]!;
    const event = sampleEvent(type);
    const key = String((event.header as unknown as Record<string, unknown>)[CATALOG[entry.family].keyField]);
    items.push({
      topic,
      key: Buffer.from(key),
      value: serde.serialize(event, { topic }),
      type,
      priority: priorityOf(type),
    });
  }
  return items;
}

/** Lane and type headers as publishers set them (the load generator adds its sequence number). */
export function eventHeaders(e: PooledEvent): Record<string, string> {
  return { [HEADERS.priority]: e.priority, [HEADERS.eventType]: e.type };
}

/** Average framed value size of a mix, weighted by each family's share. */
export function averageEncodedSize(pools: { share: number; items: PooledEvent[] }[]): number {
  let total = 0;
  let weight = 0;
  for (const { share, items } of pools) {
    const mean = items.reduce((s, e) => s + e.value.length, 0) / Math.max(1, items.length);
    total += share * mean;
    weight += share;
  }
  return Math.round(total / Math.max(weight, Number.EPSILON));
}
