import { describe, expect, it } from 'vitest';
import { Serdes, TimeWindows, TopologyBuilder } from '../../../topology/index.js';
import { tradeMasterSerdes, tradeMasterTopology } from '../testing/tradeMasterTopology.js';

interface Trade {
  symbol: string;
  venue: string;
  qty: number;
}
const key = Serdes.string();
const value = Serdes.json<Trade>();

function tradesTopology(): TopologyBuilder {
  const b = new TopologyBuilder();
  const trades = b.stream('tm.trades', { key, value });
  const { large, rest } = trades
    .filter((t) => t.qty > 0)
    .split({ name: 'size' })
    .branch('large', (t) => t.qty >= 10_000)
    .defaultBranch('rest');
  large.to('tm.large-trades');
  rest
    .groupBy((t) => t.venue, { key })
    .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000))
    .count({ emit: 'onWindowClose' })
    .toStream()
    .to('tm.trades-per-venue');
  return b;
}

describe('describe()', () => {
  it('prints Kafka Streams-style text (golden)', () => {
    const plan = tradesTopology().build({ applicationId: 'tm-trades' });
    expect(plan.describe()).toBe(`Topologies:
   Sub-topology: 0
    Source: SOURCE-0000000000 (topics: [tm.trades])
      --> FILTER-0000000001
    Processor: FILTER-0000000001 (stores: [])
      --> size
      <-- SOURCE-0000000000
    Processor: size (stores: [])
      --> size-large, size-rest
      <-- FILTER-0000000001
    Processor: size-large (stores: [])
      --> SINK-0000000003
      <-- size
    Processor: size-rest (stores: [])
      --> GROUPBY-0000000004-key-select
      <-- size
    Sink: SINK-0000000003 (topic: tm.large-trades)
      <-- size-large
    Processor: GROUPBY-0000000004-key-select (stores: [])
      --> GROUPBY-0000000004-repartition-sink
      <-- size-rest
    Sink: GROUPBY-0000000004-repartition-sink (topic: tm-trades-GROUPBY-0000000004-repartition)
      <-- GROUPBY-0000000004-key-select

   Sub-topology: 1
    Source: GROUPBY-0000000004-repartition-source (topics: [tm-trades-GROUPBY-0000000004-repartition])
      --> WINDOW-COUNT-0000000006
    Processor: WINDOW-COUNT-0000000006 (stores: [WINDOW-COUNT-0000000006-store])
      --> TOSTREAM-0000000007
      <-- GROUPBY-0000000004-repartition-source
    Processor: TOSTREAM-0000000007 (stores: [])
      --> SINK-0000000008
      <-- WINDOW-COUNT-0000000006
    Sink: SINK-0000000008 (topic: tm.trades-per-venue)
      <-- TOSTREAM-0000000007

`);
  });

  it('prints a Mermaid flowchart (golden)', () => {
    const b = new TopologyBuilder();
    const prices = b.table('tm.prices', { key, value: Serdes.json<number>(), name: 'prices' });
    b.stream('tm.trades', { key, value, name: 'trades' })
      .join(prices, (t, p) => t.qty * p, { name: 'notional', valueSerde: Serdes.json<number>() })
      .to('tm.notional', { name: 'notional-out' });
    expect(b.build({ applicationId: 'tm' }).describeMermaid()).toBe(`flowchart LR
  subgraph sub0["Sub-topology 0"]
    n0[/"prices-source"/]
    n1["prices"]
    n2[/"trades"/]
    n3["notional"]
    n4[\\"notional-out"\\]
  end
  t0(["tm.prices"])
  t1(["tm.trades"])
  t2(["tm.notional"])
  s0[("prices-store")]
  n0 --> n1
  t0 --> n0
  n1 -.- s0
  n2 --> n3
  t1 --> n2
  n3 --> n4
  n3 -.- s0
  n4 --> t2
`);
  });

  it('prints the TradeMaster topology (golden)', async () => {
    const plan = tradeMasterTopology(await tradeMasterSerdes()).build({ applicationId: 'tm-positions' });
    await expect(plan.describe()).toMatchFileSnapshot('./golden/trademaster.describe.txt');
  });
});

describe('stable names', () => {
  it('naming a stage does not rename the stages, stores and topics after it', () => {
    const names = (nameFilter: boolean) => {
      const b = new TopologyBuilder();
      b.stream('tm.trades', { key, value })
        .filter((t) => t.qty > 0, nameFilter ? { name: 'positive' } : undefined)
        .groupBy((t) => t.symbol, { key })
        .count()
        .toStream()
        .to('out');
      const plan = b.build({ applicationId: 'app' });
      return { stores: plan.stores.map((s) => s.name), topics: plan.internalTopics.map((t) => t.name) };
    };
    expect(names(false)).toEqual(names(true));
    expect(names(true)).toEqual({
      stores: ['COUNT-0000000004-store'],
      topics: ['app-GROUPBY-0000000002-repartition', 'app-COUNT-0000000004-store-changelog'],
    });
  });
});
