// The typed view of the catalog's events: a value type per family, one type per event type, and
// the guards that narrow them. Generated interfaces (schemas/generated/types.ts) carry the fields;
// this module only combines them.
//
// Why a guard: a family value is `{ header, payload }`, a union discriminated by the *nested*
// `header.eventType`. TypeScript narrows a union only on a property of the value itself, so
// `if (e.header.eventType === 'ORDER_FILLED') e.payload.fillPrice` does not compile. We keep the
// wire shape the spec defines (the event type lives in the header, once) and narrow with
// `isEvent(e, 'ORDER_FILLED')` or `switch (e.header.eventType)` on an `EventOf<...>` built from it.

import { CATALOG, type EventFamily, type EventType, familyOf } from './catalog.js';
import type { EventPayloadMap, FamilyValueMap } from './generated/types.js';

/** The value type of a family: a union of its event types. */
export type FamilyValue<F extends EventFamily> = FamilyValueMap[F];

/** Any event of the catalog (union of every family). */
export type TradeMasterEvent = FamilyValueMap[EventFamily];

/**
 * One event type, with header and payload narrowed.
 *
 * @example
 * const fill: EventOf<'ORDER_FILLED'> = sampleEvent('ORDER_FILLED');
 * fill.payload.fillPrice; // DecimalString
 */
export type EventOf<T extends EventType> = Extract<TradeMasterEvent, { header: { eventType: T } }>;

/** The payload record of an event type. */
export type PayloadOf<T extends EventType> = EventPayloadMap[T];

/** The header of an event type (its `eventType` narrowed to `T`). */
export type HeaderOf<T extends EventType> = EventOf<T>['header'];

/** Event types an event value can hold (the family's types for a family value). */
type TypesOf<E extends TradeMasterEvent> = E['header']['eventType'];

/**
 * Narrows an event to one event type.
 *
 * @example
 * if (isEvent(e, 'ORDER_FILLED')) console.log(e.payload.fillPrice);
 */
export function isEvent<E extends TradeMasterEvent, T extends TypesOf<E>>(
  event: E,
  type: T,
): event is Extract<E, { header: { eventType: T } }> {
  return event.header.eventType === type;
}

/**
 * Narrows an event to any of several event types.
 *
 * @example
 * if (isEventOneOf(e, ['ORDER_FILLED', 'ORDER_PARTIAL_FILL'])) console.log(e.payload.fillQuantity);
 */
export function isEventOneOf<E extends TradeMasterEvent, T extends TypesOf<E>>(
  event: E,
  types: readonly T[],
): event is Extract<E, { header: { eventType: T } }> {
  return (types as readonly string[]).includes(event.header.eventType);
}

/**
 * Narrows any event to one family.
 *
 * @example
 * if (isFamily(e, 'OrderEvent')) e.header.symbol;
 */
export function isFamily<F extends EventFamily>(event: TradeMasterEvent, family: F): event is FamilyValue<F> {
  return familyOf(event.header.eventType) === family;
}

/** The family of an event. */
export function familyOfEvent(event: TradeMasterEvent): EventFamily {
  return familyOf(event.header.eventType);
}

/**
 * The Kafka record key of an event: its header's partition key field (catalog `keyField`), e.g.
 * `symbol` for an OrderEvent, `accountId` for a RiskEvent.
 *
 * @example
 * producer.send({ topic: CATALOG.OrderEvent.topic, key: partitionKeyOf(fill), value: orders.serialize(fill, ctx) });
 */
export function partitionKeyOf(event: TradeMasterEvent): string {
  const field = CATALOG[familyOf(event.header.eventType)].keyField;
  return (event.header as unknown as Record<string, string>)[field]!;
}
