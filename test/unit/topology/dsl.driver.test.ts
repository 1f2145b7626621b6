import { distinctUntilChanged, map as rxMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ProcessingError } from '../../../core/errors.js';
import type { Windowed } from '../../../processors/stores/types.js';
import { TopologyTestDriver } from '../../../runtime/testing/index.js';
import { laneTopic } from '../../../schemas/catalog.js';
import { sampleEvent } from '../../../schemas/samples.js';
import {
  JoinWindows,
  Serdes,
  SessionWindows,
  type StreamRecord,
  TimeWindows,
  TopologyBuilder,
} from '../../../topology/index.js';

interface Trade {
  symbol: string;
  venue: string;
  qty: number;
}
const key = Serdes.string();
const trade = Serdes.json<Trade>();
const num = Serdes.json<number>();
const wkey = Serdes.windowed(Serdes.string());

function run(build: (b: TopologyBuilder) => void, options: { partitions?: number } = {}) {
  const b = new TopologyBuilder();
  build(b);
  const driver = new TopologyTestDriver(b.build({ applicationId: 'dsl' }), { startTime: 0, ...options });
  return driver;
}

describe('windowed aggregations through the driver', () => {
  it('tumbling count emitting final results when the wall clock closes the window, with no further input', () => {
    const driver = run((b) => {
      b.stream('tm.trades', { key, value: trade })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000))
        .count({ name: 'trades-per-minute', emit: 'onWindowClose', closeBy: 'wallClock' })
        .toStream()
        .to('tm.trades-per-minute');
    });
    const input = driver.createInputTopic('tm.trades', key, trade);
    const output = driver.createOutputTopic('tm.trades-per-minute', wkey, num);
    input.pipeInput('AAPL', { symbol: 'AAPL', venue: 'XNAS', qty: 1 }, { timestamp: 1_000 });
    input.pipeInput('AAPL', { symbol: 'AAPL', venue: 'XNAS', qty: 2 }, { timestamp: 30_000 });
    input.pipeInput('MSFT', { symbol: 'MSFT', venue: 'XNAS', qty: 3 }, { timestamp: 59_999 });
    expect(output.isEmpty()).toBe(true);
    driver.advanceWallClockTime(64_999);
    expect(output.isEmpty()).toBe(true);
    driver.advanceWallClockTime(1);
    expect(output.readKeyValuesToList()).toEqual([
      { key: { key: 'AAPL', window: { start: 0, end: 60_000 } }, value: 2 },
      { key: { key: 'MSFT', window: { start: 0, end: 60_000 } }, value: 1 },
    ]);
    expect(driver.getWindowStore<string, number>('trades-per-minute-store').all()).toEqual([]);
  });

  it('hopping windows emit every update of every window by default', () => {
    const driver = run((b) => {
      b.stream('tm.trades', { key, value: trade })
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(10_000).advanceBy(5_000))
        .aggregate(
          () => 0,
          (_k, t, sum) => sum + t.qty,
          { valueSerde: num, name: 'volume' },
        )
        .toStream()
        .to('tm.volume');
    });
    driver
      .createInputTopic('tm.trades', key, trade)
      .pipeInput('AAPL', { symbol: 'AAPL', venue: 'X', qty: 7 }, { timestamp: 6_000 });
    const out = driver.createOutputTopic('tm.volume', wkey, num).readKeyValuesToList();
    expect(out.map((r) => [r.key?.window.start, r.value])).toEqual([
      [0, 7],
      [5_000, 7],
    ]);
    expect(driver.getWindowStore<string, number>('volume-store').fetch('AAPL', 5_000)).toBe(7);
  });

  it('session windows merge activity per key and emit the final session', () => {
    const driver = run((b) => {
      b.stream('tm.trades', { key, value: trade })
        .groupByKey()
        .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10_000))
        // biome-ignore lint/performance/noAccumulatingSpread: a DSL reducer returns a new value per record
        .reduce((a, t) => ({ ...a, qty: a.qty + t.qty }), { name: 'bursts', emit: 'onWindowClose' })
        .toStream()
        .to('tm.bursts');
    });
    const input = driver.createInputTopic('tm.trades', key, trade);
    const output = driver.createOutputTopic('tm.bursts', Serdes.windowed(key), trade);
    input.pipeInput('u1', { symbol: 'AAPL', venue: 'X', qty: 1 }, { timestamp: 0 });
    input.pipeInput('u1', { symbol: 'AAPL', venue: 'X', qty: 2 }, { timestamp: 8_000 });
    expect(
      driver.getSessionStore<string, Trade>('bursts-store').findSessions('u1', 0, 8_000)[0]?.key.window,
    ).toEqual({
      start: 0,
      end: 8_000,
    });
    // stream time 30 000 closes the session (end 8 000 + gap 10 000)
    input.pipeInput('u2', { symbol: 'AAPL', venue: 'X', qty: 5 }, { timestamp: 30_000 });
    expect(output.readKeyValuesToList()).toEqual([
      { key: { key: 'u1', window: { start: 0, end: 8_000 } }, value: { symbol: 'AAPL', venue: 'X', qty: 3 } },
    ]);
  });
});

describe('joins through the driver', () => {
  it('windowed stream–stream join by key', () => {
    const driver = run((b) => {
      const orders = b.stream('tm.orders', { key, value: Serdes.json<{ id: string; qty: number }>() });
      const fills = b.stream('tm.fills', { key, value: Serdes.json<{ id: string; px: number }>() });
      orders
        .join(
          fills,
          (o, f) => ({ id: o.id, notional: o.qty * f.px }),
          JoinWindows.ofTimeDifferenceAndGrace(5_000, 0),
          {
            name: 'order-fill',
            valueSerde: Serdes.json<{ id: string; notional: number }>(),
          },
        )
        .to('tm.notional');
    });
    const orders = driver.createInputTopic('tm.orders', key, Serdes.json<{ id: string; qty: number }>());
    const fills = driver.createInputTopic('tm.fills', key, Serdes.json<{ id: string; px: number }>());
    const out = driver.createOutputTopic('tm.notional', key, Serdes.json<{ id: string; notional: number }>());
    orders.pipeInput('o1', { id: 'o1', qty: 10 }, { timestamp: 1_000 });
    fills.pipeInput('o1', { id: 'o1', px: 2 }, { timestamp: 4_000 });
    fills.pipeInput('o1', { id: 'o1', px: 3 }, { timestamp: 9_000 }); // 8 s after the order: outside
    fills.pipeInput('o2', { id: 'o2', px: 3 }, { timestamp: 9_000 });
    orders.pipeInput('o2', { id: 'o2', qty: 1 }, { timestamp: 9_500 });
    expect(out.readRecordsToList().map((r) => [r.key, r.value?.notional, r.timestamp])).toEqual([
      ['o1', 20, 4_000],
      ['o2', 3, 9_500],
    ]);
    expect(driver.getWindowStore('order-fill-this-store').all()).toHaveLength(2);
  });

  it('a table follows its compacted topic: upserts and tombstones', () => {
    const driver = run((b) => {
      const limits = b.table('tm.limits', { key, value: num, name: 'limits', store: 'limits' });
      b.stream('tm.orders', { key, value: trade })
        .leftJoin(limits, (t, limit) => (limit === undefined ? 'no-limit' : t.qty > limit ? 'over' : 'ok'), {
          valueSerde: Serdes.string(),
        })
        .to('tm.checks');
    });
    const limits = driver.createInputTopic('tm.limits', key, num);
    const orders = driver.createInputTopic('tm.orders', key, trade);
    const checks = driver.createOutputTopic('tm.checks', key, Serdes.string());
    limits.pipeInput('ACC-1', 100);
    orders.pipeInput('ACC-1', { symbol: 'AAPL', venue: 'X', qty: 150 });
    limits.pipeInput('ACC-1', 200);
    orders.pipeInput('ACC-1', { symbol: 'AAPL', venue: 'X', qty: 150 });
    limits.pipeInput('ACC-1', null);
    orders.pipeInput('ACC-1', { symbol: 'AAPL', venue: 'X', qty: 150 });
    expect(checks.readValuesToList()).toEqual(['over', 'ok', 'no-limit']);
    expect(driver.getKeyValueStore('limits').size).toBe(0);
  });

  it('repartitions a re-keyed stream before a table join, sized like the table topic', () => {
    const b = new TopologyBuilder();
    const limits = b.table('tm.limits', { key, value: num, name: 'limits' });
    b.stream('tm.orders', { key, value: Serdes.json<{ account: string; qty: number }>() })
      .selectKey((o) => o.account, { keySerde: key })
      .join(limits, (o, l) => o.qty <= l, { name: 'check', valueSerde: Serdes.json<boolean>() })
      .to('tm.checks');
    const plan = b.build({ applicationId: 'app' });
    expect(plan.internalTopics.find((t) => t.kind === 'repartition')).toEqual({
      name: 'app-check-repartition',
      kind: 'repartition',
      partitionsFrom: 'tm.limits',
      config: { 'cleanup.policy': 'delete', 'retention.ms': '604800000' },
    });
    const driver = new TopologyTestDriver(plan, { partitions: { 'tm.orders': 2, 'tm.limits': 3 } });
    expect(driver.broker.partitionCount('app-check-repartition')).toBe(3);
    driver.createInputTopic('tm.limits', key, num).pipeInput('ACC-7', 10);
    const orders = driver.createInputTopic('tm.orders', key, Serdes.json<{ account: string; qty: number }>());
    orders.pipeInput('AAPL', { account: 'ACC-7', qty: 5 });
    orders.pipeInput('MSFT', { account: 'ACC-7', qty: 50 });
    expect(driver.createOutputTopic('tm.checks', key, Serdes.json<boolean>()).readValuesToList()).toEqual([
      true,
      false,
    ]);
  });
});

describe('routing and stateless stages through the driver', () => {
  const events = Serdes.json<ReturnType<typeof sampleEvent>>();

  it('routes each event to its priority lane and by priority', () => {
    const driver = run((b) => {
      const all = b.stream('tm.events', { key, value: events });
      all.toPriorityLanes();
      const { CRITICAL } = all.routeByPriority({ name: 'by-lane' });
      CRITICAL.mapValues((e) => e.header.eventType, { valueSerde: Serdes.string() }).to('tm.critical-types');
    });
    const input = driver.createInputTopic('tm.events', key, events);
    for (const type of [
      'MARGIN_CALL',
      'ORDER_PLACED',
      'PNL_CHANGE',
      'REPORT_GENERATED',
      'ORDER_CANCELLED_SYSTEM',
    ] as const) {
      input.pipeInput('k', sampleEvent(type));
    }
    const lane = (p: 'CRITICAL' | 'HIGH' | 'STANDARD' | 'BACKGROUND') =>
      driver
        .createOutputTopic(laneTopic(p), key, events)
        .readValuesToList()
        .map((e) => e?.header.eventType);
    expect(lane('CRITICAL')).toEqual(['MARGIN_CALL', 'ORDER_CANCELLED_SYSTEM']);
    expect(lane('HIGH')).toEqual(['ORDER_PLACED']);
    expect(lane('STANDARD')).toEqual(['PNL_CHANGE']);
    expect(lane('BACKGROUND')).toEqual(['REPORT_GENERATED']);
    expect(driver.createOutputTopic('tm.critical-types', key, Serdes.string()).readValuesToList()).toEqual([
      'MARGIN_CALL',
      'ORDER_CANCELLED_SYSTEM',
    ]);
  });

  it('filters by subscriber preferences, splits, merges, flatMaps and peeks', () => {
    const seen: string[] = [];
    const driver = run((b) => {
      const trades = b.stream('tm.trades', { key, value: trade });
      const wanted = trades.where({ symbol: { in: ['AAPL', 'NVDA'] }, qty: { gt: 0 } }, { name: 'prefs' });
      const { big, small } = wanted
        .split()
        .branch('big', (t) => t.qty >= 100)
        .defaultBranch('small');
      big
        .flatMap((k, t) => [
          { key: `${k}-a`, value: t.qty / 2 },
          { key: `${k}-b`, value: t.qty / 2 },
        ])
        .merge(small.mapValues((t) => t.qty))
        .peek((_v, k) => seen.push(k))
        .to('tm.slices', { key, value: num });
    });
    const input = driver.createInputTopic('tm.trades', key, trade);
    input.pipeInput('AAPL', { symbol: 'AAPL', venue: 'X', qty: 200 });
    input.pipeInput('MSFT', { symbol: 'MSFT', venue: 'X', qty: 500 });
    input.pipeInput('NVDA', { symbol: 'NVDA', venue: 'X', qty: 5 });
    expect(driver.createOutputTopic('tm.slices', key, num).readKeyValuesToList()).toEqual([
      { key: 'AAPL-a', value: 100 },
      { key: 'AAPL-b', value: 100 },
      { key: 'NVDA', value: 5 },
    ]);
    expect(seen).toEqual(['AAPL-a', 'AAPL-b', 'NVDA']);
  });

  it('pipe() runs RxJS operators per task and names their failures', () => {
    const driver = run((b) => {
      b.stream('tm.prices', { key, value: num })
        .pipe(
          distinctUntilChanged(
            (a: StreamRecord<string, number>, c: StreamRecord<string, number>) => a.value === c.value,
          ),
          rxMap((r: StreamRecord<string, number>) => {
            if (r.value < 0) throw new Error('negative price');
            return { ...r, value: `${r.key}@${r.value}` };
          }),
          { name: 'dedupe' },
        )
        .to('tm.price-changes', { key, value: Serdes.string() });
    });
    const input = driver.createInputTopic('tm.prices', key, num);
    for (const p of [1, 1, 2, 2, 1]) input.pipeInput('AAPL', p);
    const out = driver.createOutputTopic('tm.price-changes', key, Serdes.string());
    expect(out.readValuesToList()).toEqual(['AAPL@1', 'AAPL@2', 'AAPL@1']);
    let error: unknown;
    try {
      input.pipeInput('AAPL', -1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProcessingError);
    expect((error as ProcessingError).message).toBe('user code threw: negative price (stage dedupe)');
    input.pipeInput('AAPL', 3);
    expect(out.readValuesToList()).toEqual(['AAPL@3']);
  });
});

describe('windowed keys', () => {
  it('the windowed serde round-trips key and window', () => {
    const w: Windowed<string> = { key: 'AAPL', window: { start: 60_000, end: 120_000 } };
    const bytes = wkey.serialize(w, { topic: 't' });
    expect(bytes.length).toBe(4 + 16);
    expect(wkey.deserialize(bytes, { topic: 't' })).toEqual(w);
    expect(() => wkey.deserialize(Buffer.alloc(3), { topic: 't' })).toThrow(
      'windowed key of 3 bytes is shorter than 16',
    );
  });
});
