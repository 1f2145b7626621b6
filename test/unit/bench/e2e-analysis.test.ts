// The end-to-end benchmark's join (bench/e2e/analysis.ts): hops, losses at each hop, duplicates,
// and the lane records each published fill must produce (bench/e2e/plan.ts).

import { describe, expect, it } from 'vitest';
import { analyse } from '../../../bench/e2e/analysis.js';
import type { LaneRecord } from '../../../bench/e2e/lane-probe.js';
import { expectedRecords, type SentEvent } from '../../../bench/e2e/plan.js';
import { verdicts } from '../../../bench/e2e/report.js';
import { derivedId } from '../../../examples/events.js';

const CRITICAL = 0;
const HIGH = 1;

const lane = (l: number, partition: number, offset: number, id: string, appended: number): LaneRecord => ({
  lane: l,
  partition,
  offset,
  id,
  appended,
});

describe('e2e analysis', () => {
  it('derives the risk and portfolio records a fill must produce', () => {
    const hot: SentEvent = {
      id: 'f-hot',
      type: 'ORDER_FILLED',
      sent: 0,
      channel: 'orders:E2E-ACC-0',
      account: 0,
      breach: true,
    };
    const cold: SentEvent = {
      id: 'f-cold',
      type: 'ORDER_FILLED',
      sent: 0,
      channel: 'orders:E2E-ACC-1',
      account: 1,
    };
    const required = (sent: SentEvent) =>
      [...expectedRecords([sent]).values()].filter((r) => r.required).map((r) => [r.type, r.channel]);
    expect(required(hot)).toEqual([
      ['ORDER_FILLED', 'orders:E2E-ACC-0'],
      ['POSITION_UPDATE', 'portfolio:e2e-u-0'],
      ['PNL_CHANGE', 'portfolio:e2e-u-0'],
      ['RISK_LIMIT_BREACH', 'risk:E2E-ACC-0'],
    ]);
    expect(required(cold).map(([t]) => t)).toEqual(['ORDER_FILLED', 'POSITION_UPDATE', 'PNL_CHANGE']);
    // A hot account's first fill that leaves it under its limit raises nothing.
    expect(required({ ...hot, breach: false }).map(([t]) => t)).not.toContain('RISK_LIMIT_BREACH');
    expect(expectedRecords([hot]).get(derivedId({ eventId: 'f-hot' }, 'RISK_LIMIT_BREACH'))?.lane).toBe(
      'CRITICAL',
    );
  });

  it('splits end to end into publish→lane and lane→client and counts what is missing at each hop', () => {
    const sent: SentEvent[] = [
      { id: 'fill', type: 'ORDER_FILLED', sent: 1000, channel: 'orders:E2E-ACC-0', account: 0, breach: true },
      { id: 'px', type: 'PRICE_UPDATE', sent: 1000, channel: 'market:S1' },
    ];
    const expected = expectedRecords(sent);
    const breach = derivedId({ eventId: 'fill' }, 'RISK_LIMIT_BREACH');
    const records = [
      lane(HIGH, 0, 10, 'fill', 1004),
      lane(HIGH, 1, 20, 'px', 1002),
      lane(CRITICAL, 0, 5, breach, 1010),
      lane(CRITICAL, 0, 6, breach, 1012), // re-processed after a retry: the same id again
      // the portfolio records never reached their lane
    ];
    // risk:E2E-ACC-0 and orders:E2E-ACC-0 have two subscribers, market:S1 one.
    const subscribers = new Map([
      ['risk:E2E-ACC-0', 2],
      ['orders:E2E-ACC-0', 2],
      ['market:S1', 1],
      ['portfolio:e2e-u-0', 2],
    ]);
    const deliveries = Float64Array.from(
      [
        [CRITICAL, 0, 5, 1020, 0], // client 0: 20 ms end to end, 10 ms lane→client
        [CRITICAL, 0, 6, 1021, 0], // its duplicate
        [CRITICAL, 0, 6, 1030, 1], // client 1 got the second copy only: delivered, not a duplicate
        [HIGH, 0, 10, 1008, 0], // client 1 never got the fill
        [HIGH, 1, 20, 1003, 0],
      ].flat(),
    );
    const { rows, unmatchedDeliveries } = analyse({
      expected,
      laneRecords: records,
      deliveries: [deliveries],
      subscribers,
    });
    const row = (l: string, source?: string) => rows.find((r) => r.lane === l && r.source === source)!;

    const critical = row('CRITICAL');
    expect(critical).toMatchObject({ expected: 1, onLane: 1, lostBeforeLane: 0, due: 2, delivered: 2 });
    expect(critical).toMatchObject({ lostBeforeClient: 0, duplicates: 1 });
    expect(critical.publishToLane?.p50).toBe(10);
    expect(critical.endToEnd?.max).toBe(30);
    expect(critical.laneToClient?.p50).toBe(10);

    expect(row('HIGH', 'orders')).toMatchObject({ due: 2, delivered: 1, lostBeforeClient: 1 });
    expect(row('HIGH', 'market data')).toMatchObject({ due: 1, delivered: 1, lostBeforeClient: 0 });
    expect(row('HIGH', 'market data').endToEnd?.p50).toBe(3);
    expect(row('STANDARD', 'portfolio')).toMatchObject({ expected: 2, onLane: 0, lostBeforeLane: 2 });
    expect(unmatchedDeliveries).toBe(0);
  });

  it('calls market data missing at clients conflation only when the gateway conflated at least as many', () => {
    const p = { p50: 5, p99: 10, p999: 12, max: 12, count: 1 } as never;
    const base = { endToEnd: p, publishToLane: p, laneToClient: p, expected: 10, onLane: 10, duplicates: 0 };
    const rows = (marketMissing: number, ordersMissing: number) =>
      ({
        rows: [
          {
            ...base,
            lane: 'HIGH',
            due: 100,
            delivered: 100 - marketMissing - ordersMissing,
            lostBeforeLane: 0,
            lostBeforeClient: marketMissing + ordersMissing,
          },
          {
            ...base,
            lane: 'HIGH',
            source: 'market data',
            due: 50,
            delivered: 50 - marketMissing,
            lostBeforeLane: 0,
            lostBeforeClient: marketMissing,
          },
          {
            ...base,
            lane: 'HIGH',
            source: 'orders',
            due: 50,
            delivered: 50 - ordersMissing,
            lostBeforeLane: 0,
            lostBeforeClient: ordersMissing,
          },
        ],
        unexpectedLaneRecords: 0,
        unmatchedDeliveries: 0,
      }) as never;
    const high = (r: never, conflated: number) => verdicts(r, conflated).find((v) => v.startsWith('- HIGH'))!;
    expect(high(rows(7, 0), 9)).toContain(
      '7 market-data deliveries not made, within the 9 market updates the gateway conflated',
    );
    // More missing than conflated, or anything but market data missing: reported as missing.
    expect(high(rows(7, 0), 6)).toContain('7 deliveries missing at clients');
    expect(high(rows(7, 1), 100)).toContain('8 deliveries missing at clients');
    expect(high(rows(0, 0), 100)).toContain('nothing lost');
  });
});
