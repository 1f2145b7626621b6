import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/clock.js';
import { KafkaError } from '../../../core/errors.js';
import { InProcessBroker } from '../../../runtime/testing/broker.js';
import { javaPartition } from '../../../topology/partitioner.js';

const b = (s: string) => Buffer.from(s);

describe('InProcessBroker', () => {
  it('places keyed records with the Java murmur2 partitioner and assigns offsets per partition', () => {
    const broker = new InProcessBroker({ clock: new ManualClock(42) });
    broker.createTopic('tm.orders', { partitions: 6 });
    const keys = ['AAPL', 'MSFT', 'NVDA', 'AAPL', 'TSLA'];
    const positions = keys.map((k) => broker.produce({ topic: 'tm.orders', key: b(k), value: b('x') }));
    for (const [i, p] of positions.entries())
      expect(p.partition).toBe(javaPartition(b(keys[i] as string), 6));
    const aapl = positions.filter((_, i) => keys[i] === 'AAPL');
    expect(aapl.map((p) => p.offset)).toEqual([0, 1]);
    const [first] = broker.fetch('tm.orders', aapl[0]?.partition as number, 0);
    expect(first).toMatchObject({ key: b('AAPL'), timestamp: 42, headers: {}, offset: 0 });
    expect(broker.endOffset('tm.orders', aapl[0]?.partition as number)).toBe(2);
  });

  it('spreads keyless records round-robin and honours an explicit partition', () => {
    const broker = new InProcessBroker();
    broker.createTopic('t', { partitions: 3 });
    const parts = [0, 1, 2, 3].map(() => broker.produce({ topic: 't', key: null, value: b('v') }).partition);
    expect(parts).toEqual([0, 1, 2, 0]);
    expect(broker.produce({ topic: 't', key: b('k'), value: null, partition: 2 }).partition).toBe(2);
    expect(() => broker.produce({ topic: 't', key: null, value: null, partition: 3 })).toThrow(
      "topic 't' has no partition 3",
    );
  });

  it('refuses to recreate a topic with another partition count, and unknown topics when auto-create is off', () => {
    const broker = new InProcessBroker({ autoCreateTopics: false });
    broker.createTopic('t', { partitions: 2, config: { 'cleanup.policy': 'compact' } });
    broker.createTopic('t', { partitions: 2 });
    expect(broker.topicConfig('t')).toEqual({ 'cleanup.policy': 'compact' });
    expect(() => broker.createTopic('t', { partitions: 3 })).toThrow(KafkaError);
    expect(() => broker.createTopic('t', { partitions: 3 })).toThrow(
      "topic 't' exists with 2 partitions, not 3",
    );
    expect(() => broker.produce({ topic: 'nope', key: null, value: null })).toThrow("unknown topic 'nope'");
  });

  it('consumers poll in production order from committed offsets and resume after a restart', () => {
    const broker = new InProcessBroker();
    broker.createTopic('a', { partitions: 2 });
    broker.createTopic('b', { partitions: 1 });
    broker.produce({ topic: 'a', key: null, value: b('1') });
    broker.produce({ topic: 'b', key: null, value: b('2') });
    broker.produce({ topic: 'a', key: null, value: b('3') });
    const c1 = broker.consumer('g');
    c1.subscribe(['a', 'b']);
    expect(c1.poll(2).map((r) => r.value?.toString())).toEqual(['1', '2']);
    c1.commit();
    c1.close();
    const c2 = broker.consumer('g');
    c2.subscribe(['a', 'b']);
    expect(c2.poll().map((r) => r.value?.toString())).toEqual(['3']);
    expect(broker.committed('g', 'a', 0)).toBe(1);
    // another group starts from the beginning
    const other = broker.consumer('h');
    other.subscribe(['a']);
    expect(other.poll().map((r) => r.value?.toString())).toEqual(['1', '3']);
  });

  it('spreads partitions over group members and rebalances when one leaves', () => {
    const broker = new InProcessBroker();
    broker.createTopic('t', { partitions: 4 });
    const m1 = broker.consumer('g');
    const m2 = broker.consumer('g');
    const changes: string[] = [];
    m1.onAssignment((assigned, revoked) => changes.push(`+${assigned.length}-${revoked.length}`));
    m1.subscribe(['t']);
    m2.subscribe(['t']);
    expect(m1.assignment().map((tp) => tp.partition)).toEqual([0, 2]);
    expect(m2.assignment().map((tp) => tp.partition)).toEqual([1, 3]);
    m2.close();
    expect(
      m1
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    expect(changes).toEqual(['+4-0', '+0-2', '+2-0']);
  });

  it('tells consumers about new records on their partitions and picks up topics created later', () => {
    const broker = new InProcessBroker();
    const consumer = broker.consumer('g');
    let notified = 0;
    consumer.onRecords(() => notified++);
    consumer.subscribe(['later']);
    expect(consumer.assignment()).toEqual([]);
    broker.createTopic('later', { partitions: 1 });
    broker.produce({ topic: 'later', key: null, value: b('x') });
    broker.produce({ topic: 'elsewhere', key: null, value: b('y') });
    expect(notified).toBe(1);
    expect(consumer.poll().map((r) => r.topic)).toEqual(['later']);
    consumer.seek('later', 0, 0);
    expect(consumer.poll()).toHaveLength(1);
  });
});
