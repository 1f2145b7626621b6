// `tmbus chain`: finds every event of one correlation id in the domain topics since a time and
// returns them as a causation tree. Records are matched on the `tm-correlation-id` Kafka header,
// so only the matches are decoded (with the generic Avro decoder, by their writer schema); a
// scan of millions of records costs a header comparison each.

import type { ConnectionConfig } from '../../core/config.js';
import { errorMessage } from '../../core/errors.js';
import { HEADERS } from '../../core/headers.js';
import { CATALOG } from '../../schemas/catalog.js';
import { createGenericAvroDecoder, type SchemaRegistry } from '../../schemas/index.js';
import { buildEventChain, type ChainEvent, type EventChain } from './event-chain.js';
import { OffsetLookup, partitionKey } from './offset-lookup.js';
import { type RawRecord, readRanges } from './range-reader.js';
import { parseTimeSpec } from './time-spec.js';

/** The catalog's domain topics, scanned when no topics are given. */
export const DOMAIN_TOPICS: readonly string[] = Object.values(CATALOG).map((f) => f.topic);

export interface ChainTraceOptions {
  connection: ConnectionConfig;
  /** Registry the matching records' schemas are fetched from. */
  registry: SchemaRegistry;
  correlationId: string;
  /** Topics to scan; all must exist. @default DOMAIN_TOPICS (those that exist) */
  topics?: readonly string[];
  /** Where the scan starts: ISO-8601, `-1h`-style relative, or epoch ms. @default "-1h" */
  from?: string;
  /** Instant relative times count back from. @default Date.now() */
  now?: number;
  signal?: AbortSignal;
}

export interface ChainTrace extends EventChain {
  /** Records read (matching or not). */
  scanned: number;
  topics: string[];
}

/**
 * Scans `topics` from `from` to their current end for `correlationId` and builds its chain.
 *
 * @example
 * const trace = await traceCorrelation({ connection, registry, correlationId, from: '-30m' });
 * console.log(formatEventChain(trace));
 */
export async function traceCorrelation(options: ChainTraceOptions): Promise<ChainTrace> {
  const fromMs = parseTimeSpec(options.from ?? '-1h', options.now ?? Date.now(), 'from').epochMs;
  const lookup = await OffsetLookup.open(options.connection);
  let ranges: { topic: string; partition: number; start: number; end: number }[];
  let topics: string[];
  try {
    topics = options.topics?.length ? [...options.topics] : await existingDomainTopics(lookup);
    const partitions = await lookup.partitionsOf(topics);
    const starts = await lookup.offsetsForTime(partitions, fromMs);
    const ends = await lookup.watermarks(partitions);
    ranges = partitions.map((tp) => ({
      ...tp,
      start: starts.get(partitionKey(tp))!,
      end: ends.get(partitionKey(tp))!.high,
    }));
  } finally {
    await lookup.close();
  }
  const wanted = Buffer.from(options.correlationId);
  const matches: RawRecord[] = [];
  let scanned = 0;
  for await (const batch of readRanges(options.connection, ranges, { signal: options.signal })) {
    scanned += batch.length;
    for (const r of batch) if (r.headers[HEADERS.correlationId]?.equals(wanted)) matches.push(r);
  }
  const decoder = createGenericAvroDecoder(options.registry);
  const events: ChainEvent[] = [];
  for (const r of matches) events.push(await toChainEvent(r, decoder, options.correlationId));
  return { ...buildEventChain(options.correlationId, events), scanned, topics };
}

async function existingDomainTopics(lookup: OffsetLookup): Promise<string[]> {
  const all = new Set((await lookup.allPartitions()).map((tp) => tp.topic));
  return DOMAIN_TOPICS.filter((t) => all.has(t));
}

type Decoder = ReturnType<typeof createGenericAvroDecoder>;

/** Header fields from the decoded envelope when there is one, else from the Kafka headers. */
async function toChainEvent(r: RawRecord, decoder: Decoder, correlationId: string): Promise<ChainEvent> {
  const kafkaHeader = (name: string) => r.headers[name]?.toString();
  const base: ChainEvent = {
    eventId: kafkaHeader(HEADERS.eventId) ?? `${partitionKey(r)}@${r.offset}`,
    causationId: kafkaHeader(HEADERS.causationId) ?? null,
    correlationId,
    eventType: kafkaHeader(HEADERS.eventType) ?? '(unknown type)',
    timestamp: r.timestamp,
    source: kafkaHeader(HEADERS.source),
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
  };
  if (!r.value) return { ...base, decodeError: 'null value' };
  try {
    const ctx = { topic: r.topic, partition: r.partition, offset: r.offset };
    await decoder.prepare(r.value, ctx);
    const decoded = decoder.deserialize(r.value, ctx);
    if (decoded.family === undefined) return { ...base, payload: decoded.value };
    const h = decoded.value.header as {
      eventId: string;
      causationId: string | null;
      eventType: string;
      timestamp: number;
      source: string;
    };
    return {
      ...base,
      eventId: h.eventId,
      causationId: h.causationId ?? null,
      eventType: h.eventType,
      timestamp: Number(h.timestamp),
      source: h.source,
      payload: decoded.value.payload,
    };
  } catch (e) {
    return { ...base, decodeError: errorMessage(e) };
  }
}
