// The event maps shared by server and SDK, checked at compile time (tsc over the test tree) and
// at run time where the protocol carries data: delivery events are named after catalog types.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CLIENT_EVENTS,
  type ClientToServerEvents,
  cursorKey,
  type Delivery,
  type ServerToClientEvents,
  type SubscribeAck,
} from '../../../gateway/client/index.js';
import { EVENT_TYPES, type EventType } from '../../../schemas/catalog.js';

describe('wire protocol', () => {
  it('names deliveries after every catalog event type, typed per type', () => {
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<
      EventType | 'replay' | 'resume:required' | 'auth:expiring' | 'session:closed' | 'gateway:error'
    >();
    expectTypeOf<Parameters<ServerToClientEvents['ORDER_FILLED']>[0]>().toEqualTypeOf<
      Delivery<'ORDER_FILLED'>
    >();
    expectTypeOf<Delivery<'MARGIN_CALL'>['type']>().toEqualTypeOf<'MARGIN_CALL'>();
    expect(EVENT_TYPES).toHaveLength(27);
  });

  it('lists exactly the client events the server accepts, each with an acknowledgement', () => {
    expectTypeOf<(typeof CLIENT_EVENTS)[number]>().toEqualTypeOf<keyof ClientToServerEvents>();
    expectTypeOf<Parameters<ClientToServerEvents['subscribe']>[1]>().toEqualTypeOf<
      (res: SubscribeAck) => void
    >();
    expect([...CLIENT_EVENTS].sort()).toEqual([
      'admin:disconnect',
      'admin:sessions',
      'auth:refresh',
      'resume',
      'subscribe',
      'unsubscribe',
    ]);
  });

  it('keys cursors by topic and partition', () => {
    expect(cursorKey('tm.lane.critical', 3)).toBe('tm.lane.critical/3');
  });
});
