// The bounded in-process broker the embedded demo runs on: delete-policy topics drop their oldest
// records, compacted topics keep the latest per key, offsets never move, and readers below the
// first kept offset (consumers, the lane feed) continue from it.
import { describe, expect, it } from 'vitest';
import { InProcessBroker } from '../../../runtime/testing/index.js';
import { createLaneFeed } from '../../../runtime/transport/inprocess/lane-feed.js';

const put = (broker: InProcessBroker, topic: string, key: string, value: string) =>
  broker.produce({ topic, key: Buffer.from(key), value: Buffer.from(value), partition: 0 });

describe('InProcessBroker with maxRecordsPerPartition', () => {
  it('drops the oldest records of a delete-policy topic and keeps offsets stable', () => {
    const broker = new InProcessBroker({ maxRecordsPerPartition: 100 });
    broker.createTopic('events');
    for (let i = 0; i < 130; i++) put(broker, 'events', `k${i}`, `v${i}`);
    expect(broker.endOffset('events', 0)).toBe(130);
    const start = broker.startOffset('events', 0);
    expect(start).toBeGreaterThan(0);
    expect(130 - start).toBeGreaterThanOrEqual(100);
    expect(broker.fetch('events', 0, 0)[0]?.offset).toBe(start); // below the start: from the start
    expect(broker.fetch('events', 0, 120, 3).map((r) => r.value?.toString())).toEqual([
      'v120',
      'v121',
      'v122',
    ]);

    const consumer = broker.consumer('late-group');
    consumer.subscribe(['events']);
    const polled = consumer.poll(1000);
    expect(polled[0]?.offset).toBe(start);
    expect(polled.at(-1)?.offset).toBe(129);
  });

  it('compacts a compacted topic to the latest record per key', () => {
    const broker = new InProcessBroker({ maxRecordsPerPartition: 10 });
    broker.createTopic('prices', { config: { 'cleanup.policy': 'compact' } });
    for (let i = 0; i < 40; i++) put(broker, 'prices', `S${i % 4}`, `p${i}`);
    const kept = broker.fetch('prices', 0, 0);
    expect(kept.length).toBeLessThan(20);
    const latest = new Map(kept.map((r) => [r.key?.toString(), r.value?.toString()]));
    expect(Object.fromEntries(latest)).toEqual({ S0: 'p36', S1: 'p37', S2: 'p38', S3: 'p39' });
    expect(broker.endOffset('prices', 0)).toBe(40);
  });

  it('keeps every record by default', () => {
    const broker = new InProcessBroker();
    for (let i = 0; i < 500; i++) put(broker, 'all', 'k', String(i));
    expect(broker.startOffset('all', 0)).toBe(0);
    expect(broker.fetch('all', 0, 0)).toHaveLength(500);
  });

  it('gives the lane feed a low watermark that moves with retention', () => {
    const broker = new InProcessBroker({ maxRecordsPerPartition: 1000 });
    const lanes = { CRITICAL: 'c', HIGH: 'h', STANDARD: 's', BACKGROUND: 'b' } as const;
    broker.createTopic('h');
    const feed = createLaneFeed(broker, lanes);
    for (let i = 0; i < 1300; i++) put(broker, 'h', 'AAPL', String(i));
    const { low, high } = feed.watermarks('h', 0);
    expect(high).toBe(1300);
    expect(low).toBeGreaterThan(0);
    expect(feed.read('h', 0, 0, 1)[0]).toMatchObject({ priority: 'HIGH', offset: low });
    expect(feed.watermarks('c', 0)).toEqual({ low: 0, high: 0 }); // not created yet
  });
});
