// The causation tree of `tmbus chain`: built from causationId links, ordered by header time,
// robust to missing causes, redeliveries and cycles; rendered as an indented tree.
import { describe, expect, it } from 'vitest';
import { buildEventChain, type ChainEvent, formatEventChain } from '../../../runtime/ops/event-chain.js';

const event = (
  eventId: string,
  causationId: string | null,
  eventType: string,
  t: number,
  offset = t,
): ChainEvent => ({
  eventId,
  causationId,
  correlationId: 'c-1',
  eventType,
  timestamp: Date.parse('2024-05-01T09:30:00.000Z') + t,
  source: 'test',
  topic: 'tm.orders',
  partition: 0,
  offset,
});

describe('buildEventChain', () => {
  it('hangs every event under its cause and orders siblings and the list by header time', () => {
    const chain = buildEventChain('c-1', [
      event('pnl', 'pos', 'PNL_CHANGE', 30),
      event('fill-2', 'placed', 'ORDER_PARTIAL_FILL', 25),
      event('pos', 'fill-1', 'POSITION_UPDATE', 20),
      event('placed', null, 'ORDER_PLACED', 0),
      event('fill-1', 'placed', 'ORDER_FILLED', 10),
    ]);
    expect(chain.events.map((e) => e.eventId)).toEqual(['placed', 'fill-1', 'pos', 'fill-2', 'pnl']);
    expect(chain.roots.map((r) => r.event.eventId)).toEqual(['placed']);
    expect(formatEventChain(chain)).toBe(
      [
        'correlation c-1: 5 event(s)',
        'ORDER_PLACED  2024-05-01T09:30:00.000Z  tm.orders[0]@0  placed',
        '├─ ORDER_FILLED  2024-05-01T09:30:00.010Z  tm.orders[0]@10  fill-1 ← placed',
        '│  └─ POSITION_UPDATE  2024-05-01T09:30:00.020Z  tm.orders[0]@20  pos ← fill-1',
        '│     └─ PNL_CHANGE  2024-05-01T09:30:00.030Z  tm.orders[0]@30  pnl ← pos',
        '└─ ORDER_PARTIAL_FILL  2024-05-01T09:30:00.025Z  tm.orders[0]@25  fill-2 ← placed',
      ].join('\n'),
    );
  });

  it('makes an event whose cause was not found a root, and says so', () => {
    const chain = buildEventChain('c-1', [event('b', 'a-outside-range', 'ORDER_FILLED', 10)]);
    expect(chain.roots[0]!.missingCause).toBe('a-outside-range');
    expect(formatEventChain(chain)).toMatch(
      /ORDER_FILLED .* b ← a-outside-range \(cause not found in the scanned range\)/,
    );
  });

  it('keeps a redelivered event once, at its first position', () => {
    const chain = buildEventChain('c-1', [
      event('a', null, 'ORDER_PLACED', 0, 1),
      event('a', null, 'ORDER_PLACED', 0, 7),
    ]);
    expect(chain.events).toHaveLength(1);
    expect(chain.events[0]!.offset).toBe(1);
  });

  it('breaks causation cycles instead of looping', () => {
    const chain = buildEventChain('c-1', [
      event('a', 'b', 'X', 0),
      event('b', 'a', 'Y', 1),
      event('s', 's', 'Z', 2),
    ]);
    const text = formatEventChain(chain);
    expect(text.split('\n')).toHaveLength(4);
    expect(chain.roots.length).toBeGreaterThanOrEqual(1);
  });

  it('prints payloads on request, bigints included', () => {
    const chain = buildEventChain('c-1', [
      { ...event('a', null, 'ORDER_PLACED', 0), payload: { qty: 10n, sym: 'AAPL' } },
    ]);
    expect(formatEventChain(chain, { payloads: true })).toMatch(/\{"qty":"10","sym":"AAPL"\}$/);
    expect(formatEventChain(chain)).not.toMatch(/AAPL/);
  });
});
