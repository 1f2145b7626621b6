// Left and outer windowed stream–stream joins through the DSL and the test driver: matched,
// unmatched and late records on each side, the stores each join declares, and the graph shape.

import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import { JoinWindows, Serdes, TopologyBuilder } from '../../../topology/index.js';

interface Order {
  id: string;
  qty: number;
}
interface Fill {
  id: string;
  px: number;
}
interface Row {
  order: string | null;
  px: number | null;
}

const key = Serdes.string();
const row = Serdes.json<Row>();

function run(type: 'leftJoin' | 'outerJoin') {
  const b = new TopologyBuilder();
  const orders = b.stream('tm.orders', { key, value: Serdes.json<Order>() });
  const fills = b.stream('tm.fills', { key, value: Serdes.json<Fill>() });
  const windows = JoinWindows.ofTimeDifferenceAndGrace(5_000, 1_000);
  const joined =
    type === 'leftJoin'
      ? orders.leftJoin(fills, (o, f): Row => ({ order: o.id, px: f?.px ?? null }), windows, {
          name: 'order-fill',
          valueSerde: row,
        })
      : orders.outerJoin(fills, (o, f): Row => ({ order: o?.id ?? null, px: f?.px ?? null }), windows, {
          name: 'order-fill',
          valueSerde: row,
        });
  joined.to('tm.notional');
  const plan = b.build({ applicationId: 'joins' });
  const driver = new TopologyTestDriver(plan, { startTime: 0 });
  return {
    plan,
    driver,
    orders: driver.createInputTopic('tm.orders', key, Serdes.json<Order>()),
    fills: driver.createInputTopic('tm.fills', key, Serdes.json<Fill>()),
    out: driver.createOutputTopic('tm.notional', key, row),
  };
}

const rows = (o: ReturnType<typeof run>['out']) =>
  o.readRecordsToList().map((r) => [r.key, r.value?.order ?? null, r.value?.px ?? null, r.timestamp]);

describe('stream–stream left and outer joins through the driver', () => {
  it('leftJoin: pairs, then an order without fill once its window and grace have passed; fills alone say nothing', () => {
    const { driver, orders, fills, out } = run('leftJoin');
    orders.pipeInput('o1', { id: 'o1', qty: 1 }, { timestamp: 1_000 });
    fills.pipeInput('o1', { id: 'o1', px: 2 }, { timestamp: 3_000 }); // matched
    orders.pipeInput('o2', { id: 'o2', qty: 1 }, { timestamp: 4_000 }); // never filled
    fills.pipeInput('o3', { id: 'o3', px: 9 }, { timestamp: 4_500 }); // fill without order
    expect(rows(out)).toEqual([['o1', 'o1', 2, 3_000]]);
    // o2's window ends at 9 000, grace until 10 000: stream time 10 001 closes it
    fills.pipeInput('o9', { id: 'o9', px: 1 }, { timestamp: 10_001 });
    expect(rows(out)).toEqual([['o2', 'o2', null, 4_000]]);
    orders.pipeInput('o4', { id: 'o4', qty: 1 }, { timestamp: 3_000 }); // 3 000 + 6 000 < 10 001: late
    fills.pipeInput('o1', { id: 'o1', px: 3 }, { timestamp: 20_000 });
    expect(rows(out)).toEqual([]);
    expect(driver.getKeyValueStore('order-fill-outer-store').all()).toEqual([]);
  });

  it('outerJoin: pairs, and unmatched records of both sides with null for the other, in time order', () => {
    const { orders, fills, out } = run('outerJoin');
    orders.pipeInput('o1', { id: 'o1', qty: 1 }, { timestamp: 1_000 });
    fills.pipeInput('f1', { id: 'f1', px: 5 }, { timestamp: 1_500 }); // fill without order
    orders.pipeInput('o2', { id: 'o2', qty: 1 }, { timestamp: 2_000 }); // order without fill
    fills.pipeInput('o1', { id: 'o1', px: 2 }, { timestamp: 2_500 }); // matches o1
    expect(rows(out)).toEqual([['o1', 'o1', 2, 2_500]]);
    fills.pipeInput('o1', { id: 'o1', px: 7 }, { timestamp: 30_000 }); // closes f1 and o2
    expect(rows(out)).toEqual([
      ['f1', null, 5, 1_500],
      ['o2', 'o2', null, 2_000],
    ]);
    fills.pipeInput('f2', { id: 'f2', px: 1 }, { timestamp: 1_000 }); // late
    orders.pipeInput('o5', { id: 'o5', qty: 1 }, { timestamp: 40_000 }); // closes the fill at 30 000
    expect(rows(out)).toEqual([['o1', null, 7, 30_000]]);
  });

  it('declares per-record window stores and a time-ordered outer store, named after the join', () => {
    const { plan } = run('outerJoin');
    const stores = plan.stores.map((s) => [s.name, s.kind, s.retainDuplicates ?? false]);
    expect(stores).toEqual([
      ['order-fill-this-store', 'window', true],
      ['order-fill-other-store', 'window', true],
      ['order-fill-outer-store', 'keyValue', false],
    ]);
    expect(plan.describe()).toMatch(
      /Processor: order-fill \(stores: \[order-fill-this-store, order-fill-other-store, order-fill-outer-store\]\)/,
    );
  });

  it('an unnamed left join takes a LEFTJOIN name from the counter', () => {
    const b = new TopologyBuilder();
    const a = b.stream('tm.a', { key, value: Serdes.json<number>() });
    const c = b.stream('tm.c', { key, value: Serdes.json<number>() });
    a.leftJoin(c, (x, y) => x + (y ?? 0), JoinWindows.ofTimeDifferenceWithNoGrace(10), {
      valueSerde: Serdes.json<number>(),
    }).to('tm.out');
    expect(b.build({ applicationId: 'n' }).stores.map((s) => s.name)).toEqual([
      'LEFTJOIN-0000000002-this-store',
      'LEFTJOIN-0000000002-other-store',
      'LEFTJOIN-0000000002-outer-store',
    ]);
  });
});
