// Lane records → deliveries → one broadcast per event to its channel's room. The emit goes through
// the Socket.IO adapter (`io.to(channel).emit`), which delivers to this instance's sockets and
// publishes once to Redis for every other instance; nothing here knows about individual sockets.
// Each delivery carries its Kafka position and `prev`, the previous offset of the same channel on
// the same partition, which lets clients notice a live delivery they missed.
//
// A record that cannot be decoded is never skipped silently. A retriable failure (registry
// unreachable) is retried in place — the batch waits, order is kept — and past the retry budget the
// batch fails, so the lane source halts without storing the record's offset. A record that can
// never be decoded is dead-lettered, and its channel (from its headers and key, see
// `routeOfUndecodable`) is told: `prev` of the channel's next delivery points at the dead record
// instead of linking past it, and the channel's clients get `resume:required`, whose resume
// answers RESUME_GAP naming the record.

import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Server } from 'socket.io';
import { BusError, errorMessage, isBusError, SerdeError } from '../../core/errors.js';
import { HEADERS } from '../../core/headers.js';
import type { Logger } from '../../core/logger.js';
import { RetriesExhaustedError, type RetryOptions, retry } from '../../core/retry.js';
import type { ChannelRouter } from '../channels/routing.js';
import type { Delivery, WireEvent } from '../client/protocol.js';
import { decodeEvent, decodeEventNow, type EventDecoder } from '../decoder.js';
import type { GatewayMetrics } from '../metrics.js';
import type { LaneDeadLetters } from './laneDeadLetters.js';
import { type LaneRecord, laneHeader, type TopicPartition } from './laneSource.js';
import { JSON_SAFE } from './scheduledAdapter.js';

/** Last offset per channel on one partition, least recently used first (bounded memory). */
export class ChannelChains {
  private readonly partitions = new Map<string, Map<string, number>>();

  constructor(private readonly maxChannelsPerPartition = 100_000) {}

  /** Records `offset` as the latest of `channel` on `tp` and returns the previous one (-1 if unknown). */
  link(tp: string, channel: string, offset: number): number {
    let chains = this.partitions.get(tp);
    if (!chains) {
      chains = new Map();
      this.partitions.set(tp, chains);
    }
    const prev = chains.get(channel);
    if (prev !== undefined) chains.delete(channel);
    chains.set(channel, offset);
    if (chains.size > this.maxChannelsPerPartition) {
      const oldest = chains.keys().next().value;
      if (oldest !== undefined) chains.delete(oldest);
    }
    // A record seen again after a rewind (failover replay) keeps the chain consistent.
    return prev !== undefined && prev < offset ? prev : -1;
  }

  /**
   * Points every known chain of `tp` whose channel starts with `prefix` at `offset` (a record that
   * may have belonged to them was lost), so their next delivery shows the gap. Returns how many.
   */
  breakChains(tp: string, prefix: string, offset: number): number {
    const chains = this.partitions.get(tp);
    if (!chains) return 0;
    let n = 0;
    for (const [channel, last] of chains) {
      if (!channel.startsWith(prefix) || last >= offset) continue;
      chains.set(channel, offset);
      n++;
    }
    return n;
  }

  /** Forgets partitions this instance no longer owns: their next owner starts without links. */
  forget(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.partitions.delete(`${tp.topic}/${tp.partition}`);
  }
}

export interface FanoutOptions {
  io: Server;
  decoder: EventDecoder;
  router: ChannelRouter;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Where records that can never be decoded go. */
  deadLetters: LaneDeadLetters;
  /** Backoff and budget of retriable decode failures (`lanes.decodeRetry`). */
  decodeRetry: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'maxElapsedMs'>;
  /**
   * Resolves when local delivery can take more (the broadcast scheduler's queue is below its
   * limit); a batch settles only then, so the lane source stops fetching instead of buffering.
   * @default no backpressure
   */
  backpressure?: () => Promise<void>;
}

export class Fanout {
  readonly chains = new ChannelChains();

  constructor(private readonly options: FanoutOptions) {}

  /**
   * Broadcasts a batch in order (the lane consumer already put higher lanes first). Rejects with
   * a BusError locating the record (topic/partition/offset) when one could be neither decoded nor
   * dead-lettered: every record before it in the batch went out, none after it did.
   */
  async deliver(records: readonly LaneRecord[]): Promise<void> {
    const { io, router, metrics, logger } = this.options;
    let sliceStarted = performance.now();
    for (let i = 0; i < records.length; i++) {
      // A batch of 500 took up to 300 ms in one go on a loaded machine: yield every ~4 ms so client
      // sockets, the broadcast scheduler's slices and Redis replies are served meanwhile (order is
      // kept: the next record waits for this loop).
      if ((i & 15) === 15 && performance.now() - sliceStarted > 4) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStarted = performance.now();
      }
      const r = records[i]!;
      if (!r.value) {
        metrics.undeliverable++;
        continue;
      }
      // Most records decode at once; the rest fetch their schema, retry or are dead-lettered.
      const event = decodeEventNow(this.options.decoder, r.value, r) ?? (await this.decode(r, r.value));
      if (!event) continue;
      const channel = router.channelOf(event);
      if (!channel) {
        metrics.undeliverable++;
        logger.debug({ topic: r.topic, partition: r.partition, offset: r.offset }, 'event names no channel');
        continue;
      }
      const delivery: Delivery = {
        channel,
        type: event.header.eventType,
        priority: r.priority,
        position: { topic: r.topic, partition: r.partition, offset: r.offset },
        prev: this.chains.link(`${r.topic}/${r.partition}`, channel, r.offset),
        event,
        // Built from JSON-safe parts (the decoder's `jsonSafe`): stringified once for Redis and clients.
        [JSON_SAFE]: true,
      } as Delivery;
      if (r.traceparent) emitTraced(io, delivery, r);
      else io.to(delivery.channel).emit(delivery.type, delivery);
      metrics.deliveries[r.priority]++;
      metrics.broadcastLag[r.priority].observe(Date.now() - delivery.event.header.timestamp);
    }
    await this.options.backpressure?.();
  }

  /** The decoded event, or undefined when the record was dead-lettered. */
  private async decode(r: LaneRecord, value: Buffer): Promise<WireEvent | undefined> {
    const ctx = { topic: r.topic, partition: r.partition, offset: r.offset };
    try {
      return await retry(() => decodeEvent(this.options.decoder, value, ctx), {
        ...this.options.decodeRetry,
        retries: Number.POSITIVE_INFINITY,
        isRetriable: (e) => isBusError(e) && e.retriable,
        onRetry: (e, attempt) =>
          this.options.logger.warn({ err: e, attempt, ...ctx }, 'lane record decode failed, retrying'),
      });
    } catch (err) {
      if (err instanceof RetriesExhaustedError) {
        throw new BusError(
          err.code,
          `lane record ${r.topic}/${r.partition}@${r.offset} could not be decoded after ${err.attempts.length} attempts (${errorMessage(err.attempts.at(-1))}); the lane consumer stops rather than skip it`,
          { cause: err, retriable: true, context: ctx },
        );
      }
      const error = isBusError(err)
        ? err
        : new SerdeError('SERDE_DECODE', errorMessage(err), { cause: err, context: ctx });
      await this.deadLetter(r, error);
      return undefined;
    }
  }

  private async deadLetter(r: LaneRecord, error: BusError): Promise<void> {
    const { deadLetters, metrics, logger } = this.options;
    try {
      await deadLetters.write(r, error);
    } catch (e) {
      throw new BusError(
        isBusError(e) ? e.code : 'KAFKA_PRODUCE',
        `undecodable lane record ${r.topic}/${r.partition}@${r.offset} could not be dead-lettered: ${errorMessage(e)}`,
        { cause: e, retriable: true, context: { topic: r.topic, partition: r.partition, offset: r.offset } },
      );
    }
    metrics.deadLettered++;
    const told = this.announceGap(r, error);
    logger.warn(
      { err: error, topic: r.topic, partition: r.partition, offset: r.offset, dlq: deadLetters.topic, told },
      'undecodable lane record dead-lettered; its channel is told of the gap',
    );
  }

  /**
   * Makes the lost record visible on its channel. Known channel: its chain points at the record
   * and its clients are asked to resume now. Unknown channel (only the kind, or nothing, is known):
   * every chain this instance holds on the partition for that kind points at the record, so their
   * next delivery shows a gap and their resume reports the record as possibly theirs.
   */
  private announceGap(r: LaneRecord, error: BusError): string {
    const tp = `${r.topic}/${r.partition}`;
    const type = laneHeader(r.headers, HEADERS.eventType)?.toString('utf8');
    const route = this.options.router.routeOfUndecodable(type, r.key?.toString('utf8'));
    if ('channel' in route) {
      this.chains.link(tp, route.channel, r.offset);
      this.options.io.to(route.channel).emit('resume:required', {
        reason: `record ${tp}@${r.offset} of this channel could not be decoded (${error.code}) and was dead-lettered: resume to have the gap reported`,
        channels: [route.channel],
      });
      return route.channel;
    }
    const prefix = route.kind ? `${route.kind}:` : '';
    const n = this.chains.breakChains(tp, prefix, r.offset);
    return `${n} ${route.kind ?? 'any'} channel chain(s) on ${tp}`;
  }
}

/**
 * The last hop of a trace: an emit span under the record's `traceparent` (publish → topology
 * stages → lane record), and the trace id in the delivery so the client can quote it.
 */
function emitTraced(io: Server, delivery: Delivery, r: LaneRecord): void {
  const parent = propagation.extract(ROOT_CONTEXT, { traceparent: r.traceparent });
  const span = trace.getTracer('@trademaster/event-bus/gateway').startSpan(
    `emit ${delivery.channel}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'socket.io',
        'messaging.destination.name': delivery.channel,
        'messaging.operation.type': 'send',
        'messaging.kafka.offset': r.offset,
        'tm.event_type': delivery.type,
      },
    },
    parent,
  );
  delivery.traceId = trace.getSpanContext(parent)?.traceId ?? span.spanContext().traceId;
  context.with(trace.setSpan(parent, span), () => io.to(delivery.channel).emit(delivery.type, delivery));
  span.end();
}
