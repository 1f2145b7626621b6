// The open-loop load generator, in its own process so it shares no event loop with the system under
// test or the probe. It takes a plan of one or more concurrent streams (a mix,
// a rate or 0 for "as fast as possible", a count, a start delay), pre-encodes pools of events
// (bench/lib/event-pool.ts), and produces with the create timestamp set at send time — latency is
// measured from the moment an event was offered. Every record carries a unique `bench-seq` header
// so the probe can prove that nothing was lost.
//
// usage: node --import tsx bench/load/producer.ts '<LoadPlan JSON>'   (TMBUS_* for connections)
// prints one JSON line (LoadReport) when every record is acknowledged.

import Kafka from 'node-rdkafka';
import { connectionConfigFromEnv } from '../../core/config.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { buildPool, eventHeaders, type PooledEvent, survivesBenchTopology } from '../lib/event-pool.js';
import { type LoadPlan, type LoadReport, SEQ_HEADER } from '../lib/load-plan.js';

const plan = JSON.parse(process.argv[2] ?? '') as LoadPlan;
const connection = connectionConfigFromEnv({ ...process.env, TMBUS_REDIS_URL: undefined });
const registry = new HttpSchemaRegistry({ url: connection.registry.url });

interface Stream {
  pools: { share: number; items: PooledEvent[]; headers: Record<string, string>[] }[];
  rate: number;
  count: number;
  delayMs: number;
  sent: number;
  expectedOutputs: number;
  pick: number;
  finishedAt: number;
}

const streams: Stream[] = [];
for (const s of plan.streams) {
  const pools = [];
  for (const entry of s.mix) {
    const items = await buildPool(registry, plan.run, entry);
    pools.push({ share: entry.share, items, headers: items.map(eventHeaders) });
  }
  const totalShare = pools.reduce((a, p) => a + p.share, 0);
  for (const p of pools) p.share /= totalShare;
  streams.push({
    pools,
    rate: s.rate,
    count: s.count,
    delayMs: s.delayMs ?? 0,
    sent: 0,
    expectedOutputs: 0,
    pick: 0,
    finishedAt: 0,
  });
}

const producer = new Kafka.Producer({
  'metadata.broker.list': connection.kafka.brokers,
  'client.id': `bench-load-${plan.run}`,
  'linger.ms': 1,
  'batch.num.messages': 10_000,
  'queue.buffering.max.messages': 1_000_000,
  'compression.type': 'lz4',
  partitioner: 'murmur2_random',
  'socket.nagle.disable': true,
} as Kafka.ProducerGlobalConfig);
await new Promise<void>((resolve, reject) => producer.connect({}, (err) => (err ? reject(err) : resolve())));
producer.setPollInterval(10);

let seq = plan.seqBase;

function sendOne(s: Stream): boolean {
  const r = Math.random();
  let acc = 0;
  let pool = s.pools[s.pools.length - 1]!;
  for (const p of s.pools) {
    acc += p.share;
    if (r < acc) {
      pool = p;
      break;
    }
  }
  const i = s.pick++ % pool.items.length;
  const item = pool.items[i]!;
  const headers = pool.headers[i]!;
  try {
    producer.produce(item.topic, null, item.value, item.key, Date.now(), undefined, [
      ...Object.entries(headers).map(([k, v]) => ({ [k]: v })),
      { [SEQ_HEADER]: String(seq) },
    ]);
  } catch {
    s.pick--;
    producer.poll();
    return false; // queue full: try again next tick
  }
  seq++;
  s.sent++;
  if (survivesBenchTopology(item.type)) s.expectedOutputs++;
  return true;
}

const startedAt = Date.now();
await new Promise<void>((resolve) => {
  const tick = () => {
    const now = Date.now();
    let idle = true;
    for (const s of streams) {
      if (s.sent >= s.count) continue;
      idle = false;
      const elapsed = now - startedAt - s.delayMs;
      if (elapsed < 0) continue;
      const due = s.rate > 0 ? Math.min(s.count, Math.floor((elapsed / 1000) * s.rate)) : s.count;
      let budget = s.rate > 0 ? due - s.sent : 20_000;
      while (budget-- > 0 && s.sent < s.count) if (!sendOne(s)) break;
      if (s.sent >= s.count) s.finishedAt = Date.now();
    }
    if (idle) resolve();
    else setTimeout(tick, streams.every((s) => s.rate > 0 || s.sent >= s.count) ? 1 : 0);
  };
  tick();
});
const producedAt = Date.now();
await new Promise<void>((resolve) => producer.flush(120_000, () => resolve()));
const report: LoadReport = {
  startedAt,
  producedAt,
  flushedAt: Date.now(),
  seqBase: plan.seqBase,
  sent: streams.reduce((a, s) => a + s.sent, 0),
  expectedOutputs: streams.reduce((a, s) => a + s.expectedOutputs, 0),
  streams: streams.map((s) => ({
    sent: s.sent,
    expectedOutputs: s.expectedOutputs,
    achievedRate: Math.round(s.sent / Math.max(0.001, (s.finishedAt - startedAt - s.delayMs) / 1000)),
  })),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
producer.disconnect(() => process.exit(0));
