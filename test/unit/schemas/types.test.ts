// Type-level guarantees of the generated event types, checked by tsc (npx tsc --noEmit and
// vitest's typecheck): narrowing by event type, EventOf, the family unions, and that the Avro
// enums and header key fields match the catalog. The runtime assertions keep each case honest.

import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  Catalog,
  Priority as CatalogPriority,
  EventFamily,
  EventType,
} from '../../../schemas/catalog.js';
import type { DecimalString } from '../../../schemas/decimal.js';
import {
  type EventOf,
  type FamilyValue,
  isEvent,
  isEventOneOf,
  isFamily,
  type TradeMasterEvent,
} from '../../../schemas/events.js';
import type {
  Priority as AvroPriority,
  OrderEvent,
  OrderEventType,
} from '../../../schemas/generated/types.js';
import { sampleEvent } from '../../../schemas/samples.js';

/** Widens a value to `T`, so TypeScript forgets what the initializer narrowed it to. */
const widen = <T>(value: T): T => value;

describe('event types', () => {
  it('narrow a family value with isEvent', () => {
    const e = widen<OrderEvent>(sampleEvent('ORDER_FILLED'));
    // @ts-expect-error — without narrowing, fillPrice is not on every OrderEvent payload
    void e.payload.fillPrice;
    if (isEvent(e, 'ORDER_FILLED')) {
      expectTypeOf(e.payload.fillPrice).toEqualTypeOf<DecimalString>();
      expectTypeOf(e.header.eventType).toEqualTypeOf<'ORDER_FILLED'>();
      expect(e.payload.fillPrice).toMatch(/^\d+\.\d{8}$/);
    } else {
      throw new Error('sample is an ORDER_FILLED');
    }
    // @ts-expect-error — a RiskEvent type can never be an OrderEvent
    isEvent(e, 'MARGIN_CALL');
  });

  it('narrow several types and families', () => {
    const any = widen<TradeMasterEvent>(sampleEvent('ORDER_PARTIAL_FILL'));
    if (isEventOneOf(any, ['ORDER_FILLED', 'ORDER_PARTIAL_FILL'])) {
      expectTypeOf(any.payload.fillQuantity).toEqualTypeOf<DecimalString>();
    }
    if (isFamily(any, 'OrderEvent')) expectTypeOf(any.header.symbol).toEqualTypeOf<string>();
    expect(isFamily(any, 'RiskEvent')).toBe(false);
  });

  it('switch on header.eventType narrows the header, EventOf gives the payload', () => {
    const e = sampleEvent('MARGIN_CALL');
    expectTypeOf(e).toEqualTypeOf<EventOf<'MARGIN_CALL'>>();
    expectTypeOf(e.payload.deficit).toEqualTypeOf<DecimalString>();
    expectTypeOf(e.header.accountId).toEqualTypeOf<string>();
    expect(e.header.accountId).toBe('ACC-100234');
  });

  it('match the catalog: families, event types, priorities, key fields', () => {
    expectTypeOf<TradeMasterEvent['header']['eventType']>().toEqualTypeOf<EventType>();
    expectTypeOf<OrderEventType>().toEqualTypeOf<keyof Catalog['OrderEvent']['types']>();
    expectTypeOf<AvroPriority>().toEqualTypeOf<CatalogPriority>();
    type KeyFieldsPresent = {
      [F in EventFamily]: FamilyValue<F>['header'] extends Record<Catalog[F]['keyField'], string>
        ? true
        : false;
    };
    expectTypeOf<KeyFieldsPresent[EventFamily]>().toEqualTypeOf<true>();
    expect(sampleEvent('AGENT_STATUS_CHANGE').header.agentId).toBe('agent-momentum-01');
  });
});
