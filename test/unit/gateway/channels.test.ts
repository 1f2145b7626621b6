import { describe, expect, it } from 'vitest';
import { createChannelRouter, readPath } from '../../../gateway/channels/routing.js';
import { channelName, isChannel, isConflatable, parseChannel } from '../../../gateway/client/channels.js';
import { EVENT_TYPES, priorityOf } from '../../../schemas/catalog.js';
import { sampleEvent } from '../../../schemas/samples.js';

describe('channel grammar', () => {
  it('accepts the seven kinds and realistic ids', () => {
    for (const c of [
      'market:AAPL',
      'market:BRK.B',
      'market:BTC-USD',
      'orders:ACC-100234',
      'portfolio:auth0|42',
      'risk:ACC-1',
      'agents:agent-momentum-01',
      'notifications:u-1',
      'system',
    ]) {
      expect(isChannel(c), c).toBe(true);
    }
  });

  it('refuses anything else with a reason', () => {
    expect(parseChannel('tm.lane.critical')).toEqual({ error: expect.stringMatching(/not a channel/) });
    expect(parseChannel('admin:all')).toEqual({
      error: expect.stringMatching(/unknown channel kind 'admin'/),
    });
    expect(parseChannel('market:')).toEqual({ error: expect.stringMatching(/invalid id/) });
    expect(parseChannel('market:A B')).toEqual({ error: expect.stringMatching(/invalid id/) });
    expect(parseChannel('orders:x:y')).toEqual({ error: expect.stringMatching(/invalid id/) });
    expect(parseChannel('system:1')).toEqual({ error: expect.stringMatching(/unknown channel kind/) });
    expect(parseChannel(42)).toEqual({ error: 'channel must be a string' });
    expect(isChannel(`market:${'A'.repeat(129)}`)).toBe(false);
  });

  it('builds names and knows which channels conflate', () => {
    expect(channelName('orders', 'ACC-1')).toBe('orders:ACC-1');
    expect(channelName('system')).toBe('system');
    expect(() => channelName('risk', '')).toThrow(RangeError);
    expect(isConflatable('market:AAPL')).toBe(true);
    expect(isConflatable('risk:ACC-1')).toBe(false);
  });
});

describe('channel routing', () => {
  const router = createChannelRouter();

  it('routes every catalog event type of a sample to a channel', () => {
    const expected: Record<string, string> = {
      RiskEvent: 'risk:ACC-100234',
      OrderEvent: 'orders:ACC-100234',
      MarketDataEvent: 'market:AAPL',
      PortfolioEvent: 'portfolio:u-7f3a9c',
      AgentEvent: 'agents:agent-momentum-01',
      SystemEvent: 'system',
    };
    for (const type of EVENT_TYPES) {
      const event = sampleEvent(type);
      const channel = router.channelOf(event as never);
      if (type === 'SYSTEM_ANNOUNCEMENT') expect(channel).toBe('system');
      else if (type.startsWith('USER_') || type === 'REPORT_GENERATED')
        expect(channel).toBe('notifications:u-7f3a9c');
      else expect(Object.values(expected)).toContain(channel);
    }
  });

  it('keeps an order’s lifecycle on its account channel', () => {
    for (const type of [
      'ORDER_PLACED',
      'ORDER_FILLED',
      'ORDER_CANCELLED',
      'ORDER_REJECTED_CRITICAL',
    ] as const) {
      expect(router.channelOf(sampleEvent(type, { payload: { accountId: 'ACC-7' } }) as never)).toBe(
        'orders:ACC-7',
      );
    }
  });

  it('returns null for unknown types and unusable ids', () => {
    expect(router.channelOf({ header: { eventType: 'NOPE' } })).toBeNull();
    expect(router.channelOf({})).toBeNull();
    expect(router.channelOf(sampleEvent('PRICE_UPDATE', { header: { symbol: 'A B' } }) as never)).toBeNull();
  });

  it('tells which lanes carry a channel, from the same table', () => {
    expect(router.lanesOf('orders:ACC-1')).toEqual(['CRITICAL', 'HIGH']);
    expect(router.lanesOf('risk:ACC-1')).toEqual(['CRITICAL']);
    expect(router.lanesOf('market:AAPL')).toEqual(['HIGH']);
    expect(router.lanesOf('system')).toEqual(['BACKGROUND']);
    expect(router.lanesOf('bogus')).toEqual([]);
    for (const type of EVENT_TYPES) {
      const channel = router.channelOf(sampleEvent(type) as never)!;
      expect(router.lanesOf(channel)).toContain(priorityOf(type));
    }
  });

  it('accepts route overrides (e.g. orders by user)', () => {
    const byUser = createChannelRouter({
      OrderEvent: [{ kind: 'orders', key: ['payload.userId', 'payload.accountId'] }],
    });
    expect(byUser.channelOf(sampleEvent('ORDER_PLACED', { payload: { userId: 'u-9' } }) as never)).toBe(
      'orders:u-9',
    );
    expect(byUser.channelOf(sampleEvent('ORDER_FILLED', { payload: { accountId: 'ACC-9' } }) as never)).toBe(
      'orders:ACC-9',
    );
  });

  it('reads paths through one level of union wrapping', () => {
    expect(readPath({ payload: { OrderFilled: { accountId: 'A' } } }, 'payload.accountId')).toBe('A');
    expect(readPath({ payload: { accountId: '' } }, 'payload.accountId')).toBeUndefined();
    expect(readPath({ payload: { a: { b: 1 } } }, 'payload.accountId')).toBeUndefined();
  });
});
