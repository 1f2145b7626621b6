// The one interface the example services publish through. A service never knows whether its
// events go to Kafka or to the embedded demo's in-process broker: `EventPublisher` runs over either
// transport and hands back the event as written, which a service needs to continue the chain
// (`causedBy`) it started.

import type { PublishedEvent as Published } from '../../runtime/client/event-publisher.js';
import type { TradeMasterEvent } from '../../schemas/index.js';

/** An event as it was written (envelope stamped) and where it landed. */
export type PublishedEvent<E extends TradeMasterEvent = TradeMasterEvent> = Published<E>;

/** Options of one publish. */
export interface SinkPublishOptions {
  /**
   * The event that caused this one: the published event joins its chain (`correlationId`) and
   * names it as `causationId`.
   * @default none (the event starts a new chain)
   */
  readonly causedBy?: TradeMasterEvent;
}

/**
 * Where a service's events go.
 *
 * @example
 * const placed = await sink.publish(order);
 * await sink.publish(fill, { causedBy: placed.event });
 */
export interface EventSink {
  /** Publishes one event; resolves with the event as written once the broker has it. */
  publish<E extends TradeMasterEvent>(event: E, options?: SinkPublishOptions): Promise<PublishedEvent<E>>;
  /** Releases what the sink owns (its producer); further publishes fail. */
  close(): Promise<void>;
}

/** Creates the sink of one service (its name becomes `header.source`). */
export type SinkFactory = (source: string) => EventSink;
