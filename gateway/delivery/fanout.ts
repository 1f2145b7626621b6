// Lane records → deliveries → one broadcast per event to its channel's room. The emit goes through
// the Socket.IO adapter (`io.to(channel).emit`), which delivers to this instance's sockets and
// publishes once to Redis for every other instance; nothing here knows about individual sockets.
// Each delivery carries its Kafka position and `prev`, the previous offset of the same channel on
// the same partition, which lets clients notice a live delivery they missed.

import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Server } from 'socket.io';
import { isBusError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { retry } from '../../core/retry.js';
import type { ChannelRouter } from '../channels/routing.js';
import type { Delivery } from '../client/protocol.js';
import { decodeEvent, type EventDecoder } from '../decoder.js';
import type { GatewayMetrics } from '../metrics.js';
import type { LaneRecord, TopicPartition } from './laneConsumer.js';

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
}

export class Fanout {
  readonly chains = new ChannelChains();

  constructor(private readonly options: FanoutOptions) {}

  /** Broadcasts a batch in order (the lane consumer already put higher lanes first). */
  async deliver(records: readonly LaneRecord[]): Promise<void> {
    const { io, decoder, router, metrics, logger } = this.options;
    for (const r of records) {
      if (!r.value) {
        metrics.undeliverable++;
        continue;
      }
      let delivery: Delivery;
      try {
        const ctx = { topic: r.topic, partition: r.partition, offset: r.offset };
        // A registry outage is retried in place (the batch waits, order is kept); only bytes that
        // can never decode are skipped, so a record is not lost to a transient failure.
        const event = await retry(() => decodeEvent(decoder, r.value!, ctx), {
          retries: 8,
          initialDelayMs: 100,
          maxDelayMs: 2000,
          isRetriable: (e) => isBusError(e) && e.retriable,
          onRetry: (e, attempt) => logger.warn({ err: e, attempt, ...ctx }, 'decode failed, retrying'),
        });
        const channel = router.channelOf(event);
        if (!channel) {
          metrics.undeliverable++;
          logger.debug(
            { topic: r.topic, partition: r.partition, offset: r.offset },
            'event names no channel',
          );
          continue;
        }
        delivery = {
          channel,
          type: event.header.eventType,
          priority: r.priority,
          position: { topic: r.topic, partition: r.partition, offset: r.offset },
          prev: this.chains.link(`${r.topic}/${r.partition}`, channel, r.offset),
          event,
        };
      } catch (err) {
        metrics.undeliverable++;
        logger.warn(
          { err, topic: r.topic, partition: r.partition, offset: r.offset },
          'undecodable lane record skipped',
        );
        continue;
      }
      if (r.traceparent) emitTraced(io, delivery, r);
      else io.to(delivery.channel).emit(delivery.type, delivery);
      metrics.deliveries[r.priority]++;
      metrics.broadcastLag[r.priority].observe(Date.now() - delivery.event.header.timestamp);
    }
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
