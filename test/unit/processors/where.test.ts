import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../core/errors.js';
import { compileWhere, where } from '../../../processors/where.js';
import { rec, scheduler } from './support.js';

interface Order {
  header: { eventType: string; source: string };
  payload: { symbol: string; side: 'BUY' | 'SELL'; quantity: number; limit?: number; notional: bigint };
}
const order = (
  symbol: string,
  side: 'BUY' | 'SELL',
  quantity: number,
  extra: Partial<Order['payload']> = {},
): Order => ({
  header: { eventType: 'ORDER_PLACED', source: 'trading' },
  payload: { symbol, side, quantity, notional: BigInt(quantity * 100), ...extra },
});

describe('where (content filter)', () => {
  it('keeps records matching the subscriber preferences (marbles)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const a = rec('AAPL', order('AAPL', 'BUY', 500));
      const b = rec('MSFT', order('MSFT', 'BUY', 500));
      const c = rec('AAPL', order('AAPL', 'SELL', 50));
      const op = where<string, Order>('WHERE-0000000001', {
        'payload.symbol': { in: ['AAPL', 'NVDA'] },
        'payload.quantity': { gte: 100 },
      });
      expectObservable(cold('a-b-c|', { a, b, c }).pipe(op)).toBe('a----|', { a });
    });
  });

  it('supports literals, comparisons across number and bigint, exists, prefix and $and/$or/$not', () => {
    const buy = order('AAPL', 'BUY', 500, { limit: 190 });
    const sell = order('MSFT', 'SELL', 5);
    const test = (clause: Parameters<typeof compileWhere<Order>>[0]) =>
      [buy, sell].map(compileWhere<Order>(clause));
    expect(test({ 'payload.side': 'BUY' })).toEqual([true, false]);
    expect(test({ 'payload.notional': { gt: 1000n } })).toEqual([true, false]);
    // a clause parsed from JSON carries numbers where the event has an Avro long (bigint)
    expect(test(JSON.parse('{"payload.notional":{"lte":500}}'))).toEqual([false, true]);
    expect(test({ 'payload.limit': { exists: true } })).toEqual([true, false]);
    expect(test({ 'payload.symbol': { prefix: 'MS' } })).toEqual([false, true]);
    expect(test({ $or: [{ 'payload.side': 'SELL' }, { 'payload.quantity': { lt: 10 } }] })).toEqual([
      false,
      true,
    ]);
    expect(test({ $not: { 'header.source': 'trading' } })).toEqual([false, false]);
    expect(
      test({ $and: [{ 'payload.quantity': { ne: 5 } }, { 'payload.symbol': { nin: ['MSFT'] } }] }),
    ).toEqual([true, false]);
  });

  it('refuses unknown operators and combinators when compiled', () => {
    expect(() => compileWhere({ 'payload.quantity': { between: [1, 2] } } as never)).toThrow(TopologyError);
    expect(() => compileWhere({ 'payload.quantity': { between: [1, 2] } } as never)).toThrow(
      "where: unknown operator 'between' on 'payload.quantity' (accepted: eq, ne, in, nin, gt, gte, lt, lte, exists, prefix)",
    );
    expect(() => compileWhere({ $xor: [] } as never)).toThrow("where: unknown combinator '$xor'");
    expect(() => compileWhere({ 'payload.symbol': { in: 'AAPL' } } as never)).toThrow(
      "'payload.symbol.in' needs an array",
    );
  });
});
