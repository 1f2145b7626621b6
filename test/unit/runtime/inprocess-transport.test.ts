// The in-process transport as the engine uses it: a group member whose assignment hooks run
// synchronously, batches in production order, pause/resume/seek, commits and lag; a producer whose
// delivery promise carries the position; a changelog reader that replays a partition.
import { describe, expect, it } from 'vitest';
import { InMemoryStoreProvider } from '../../../processors/stores/storeProvider.js';
import { InProcessBroker } from '../../../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../../../runtime/transport/inprocess/inprocess-transport.js';
import type { TopicPartition, TransportRecord } from '../../../runtime/transport/types.js';
import { Serdes } from '../../../topology/index.js';

const rec = (topic: string, partition: number, v: string) => ({
  topic,
  partition,
  key: Buffer.from(v),
  value: Buffer.from(v),
});

describe('InProcessTransport', () => {
  it('a manual member assigns synchronously and hands over batches in production order, honouring pause, seek and commits', async () => {
    const broker = new InProcessBroker();
    broker.createTopic('t', { partitions: 2 });
    const transport = new InProcessTransport({ broker, manual: true });
    const assigned: TopicPartition[] = [];
    const batches: TransportRecord[][] = [];
    const member = transport.member({
      groupId: 'g',
      topics: ['t'],
      onAssign: (tps) => {
        assigned.push(...tps);
        return [];
      },
      onBatch: (records) => void batches.push(records),
    });
    member.start();
    expect(assigned).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    for (const [p, v] of [
      [0, 'a'],
      [1, 'b'],
      [0, 'c'],
    ] as const)
      broker.produce(rec('t', p, v));
    expect(member.lag().map((l) => l.lag)).toEqual([2, 1]);
    member.pause([{ topic: 't', partition: 0 }]);
    expect(member.pollOnce?.(10)).toBe(1);
    expect(batches[0]?.map((r) => r.value?.toString())).toEqual(['b']);
    member.resume([{ topic: 't', partition: 0 }]);
    expect(member.pollOnce?.(10)).toBe(2);
    expect(batches[1]?.map((r) => r.value?.toString())).toEqual(['a', 'c']);
    expect(member.pollOnce?.(10)).toBe(0);
    member.seek({ topic: 't', partition: 0, offset: 1 });
    expect(member.pollOnce?.(10)).toBe(1);
    expect(batches[2]?.map((r) => `${r.value?.toString()}@${r.offset}`)).toEqual(['c@1']);
    member.commit([{ topic: 't', partition: 0, offset: 2 }]);
    expect(await member.committed([{ topic: 't', partition: 0 }])).toEqual([
      { topic: 't', partition: 0, offset: 2 },
    ]);
    await member.close();
  });

  it('a real-time member delivers on the event loop, holds partitions an asynchronous assign keeps', async () => {
    const broker = new InProcessBroker();
    broker.createTopic('t', { partitions: 2 });
    const seen: string[] = [];
    const member = new InProcessTransport({ broker }).member({
      groupId: 'g',
      topics: ['t'],
      onAssign: async () => [{ topic: 't', partition: 1 }],
      onBatch: (records) => void seen.push(...records.map((r) => r.value?.toString() ?? '')),
    });
    member.start();
    broker.produce(rec('t', 0, 'x'));
    broker.produce(rec('t', 1, 'held'));
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['x']);
    member.resume([{ topic: 't', partition: 1 }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['x', 'held']);
    await member.close();
  });

  it('the producer resolves with the position and the changelog reader replays a partition', async () => {
    const broker = new InProcessBroker();
    const transport = new InProcessTransport({ broker });
    broker.createTopic('app-counts-changelog', { partitions: 2, config: { 'cleanup.policy': 'compact' } });
    const producer = transport.producer({});
    const write = (k: string, v: string | null) =>
      producer.send({
        topic: 'app-counts-changelog',
        partition: 1,
        key: Buffer.from(k),
        value: v === null ? null : Buffer.from(v),
      });
    expect(await write('a', '1')).toEqual({ topic: 'app-counts-changelog', partition: 1, offset: 0 });
    await write('b', '2');
    await write('a', null);
    const stores = new InMemoryStoreProvider([
      { name: 'counts', kind: 'keyValue', keySerde: Serdes.string(), valueSerde: Serdes.string() },
    ]);
    const store = stores.getStore('counts');
    expect(transport.changelogReader('app').restore('app-counts-changelog', 1, store)).toBe(3);
    expect(store.size).toBe(1);
  });
});
