// The embedded demo's gateway sources over a real in-process broker: `LaneFeedSource` hands every
// appended lane record to the sink once, highest lane first, waiting for each batch's fan-out;
// `LaneFeedHistory` reports watermarks and reads offset ranges exactly, which is what resume needs.

import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import { parseStandaloneGatewayConfig } from '../../../gateway/config.js';
import type { LaneRecord } from '../../../gateway/delivery/laneSource.js';
import { LaneFeedHistory } from '../../../gateway/embedded/laneFeedHistory.js';
import { LaneFeedSource } from '../../../gateway/embedded/laneFeedSource.js';
import type { HistoryMessage } from '../../../gateway/replay/historyReader.js';
import { InProcessBroker } from '../../../runtime/testing/broker.js';
import { createLaneFeed } from '../../../runtime/transport/inprocess/lane-feed.js';

const topics = { CRITICAL: 'l.critical', HIGH: 'l.high', STANDARD: 'l.standard', BACKGROUND: 'l.background' };

function setup() {
  const broker = new InProcessBroker({ defaultPartitions: 2 });
  for (const t of Object.values(topics)) broker.createTopic(t, { partitions: 2 });
  const feed = createLaneFeed(broker, topics);
  const produce = (topic: string, partition: number, value: string) =>
    broker.produce({ topic, partition, key: null, value: Buffer.from(value) });
  return { broker, feed, produce };
}

const config = parseStandaloneGatewayConfig({
  connection: { kafka: { brokers: 'in-process' }, registry: { url: 'http://in-process.invalid' } },
  auth: { jwt: { secret: 'x'.repeat(32), issuer: 'i', audience: 'a', algorithms: ['HS256'] } },
  lanes: { topics },
});

describe('LaneFeedSource', () => {
  it('delivers appended records once, CRITICAL first within a batch, owning every partition', async () => {
    const { feed, produce } = setup();
    const batches: LaneRecord[][] = [];
    const source = new LaneFeedSource(
      feed,
      { onBatch: async (b) => void batches.push(b) },
      config.lanes,
      silentLogger(),
    );
    await source.start();
    expect(source.assignment()).toHaveLength(8);
    produce(topics.HIGH, 0, 'h1');
    produce(topics.CRITICAL, 1, 'c1');
    produce(topics.HIGH, 0, 'h2');
    await new Promise((r) => setTimeout(r, 20));
    const all = batches.flat();
    expect(all.map((r) => r.value?.toString())).toEqual(['c1', 'h1', 'h2']);
    expect(all[0]).toMatchObject({ priority: 'CRITICAL', topic: topics.CRITICAL, partition: 1, offset: 0 });
    await source.stop();
    produce(topics.HIGH, 0, 'after stop');
    await new Promise((r) => setTimeout(r, 20));
    expect(batches.flat()).toHaveLength(3);
  });
});

describe('LaneFeedHistory', () => {
  it('reads exactly the requested ranges and reports watermarks', async () => {
    const { feed, produce } = setup();
    for (let i = 0; i < 5; i++) produce(topics.HIGH, 1, `h${i}`);
    const history = new LaneFeedHistory(feed);
    expect(await history.partitions(topics.HIGH)).toEqual([0, 1]);
    expect(await history.partitions('nope')).toEqual([]);
    expect(await history.watermarks(topics.HIGH, 1, Date.now())).toEqual({ low: 0, high: 5 });
    const got: HistoryMessage[] = [];
    await history.read(
      [{ topic: topics.HIGH, partition: 1, from: 1, to: 4 }],
      Date.now() + 1000,
      async (m) => {
        got.push(...m);
      },
    );
    expect(got.map((m) => [m.offset, m.value?.toString()])).toEqual([
      [1, 'h1'],
      [2, 'h2'],
      [3, 'h3'],
    ]);
  });
});
