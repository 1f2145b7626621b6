// The open-loop load generator, in its own process so it shares no event loop with the system under
// test or the probe. It takes a plan of one or more concurrent streams (a mix,
// a rate or 0 for "as fast as possible", a count, a start delay), pre-encodes pools of events
// (bench/lib/event-pool.ts), and produces with the create timestamp set at send time — latency is
// measured from the moment an event was offered. Every record carries a unique `bench-seq` header
// so the probe can prove that nothing was lost. It writes through the bus's own producer with
// reports only for errors (records handed to librdkafka a batch per call): a burst then costs the
// load generator a few µs of CPU per record, not the ~30 µs of node-rdkafka's per-record produce,
// which on a 2-core machine took 1.4 cores away from the system under test while it caught up.
//
// usage: node --import tsx bench/load/producer.ts '<LoadPlan JSON>'   (TMBUS_* for connections)
// prints one JSON line (LoadReport) when every record is acknowledged.

import { connectionConfigFromEnv } from '../../core/config.js';
import { BusProducer } from '../../runtime/kafka/producer.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { buildPool, eventHeaders, type PooledEvent, survivesBenchTopology } from '../lib/event-pool.js';
import { type LoadPlan, type LoadReport, SENT_HEADER, SEQ_HEADER } from '../lib/load-plan.js';

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

const producer = new BusProducer({
  connection,
  clientId: `bench-load-${plan.run}`,
  reportOnlyErrors: true,
  librdkafka: {
    'linger.ms': 1,
    'queue.buffering.max.messages': 1_000_000,
    // As before this producer moved to the bus's: plain acks=all, no idempotence.
    'enable.idempotence': false,
  },
});
await producer.connect();
let failed = 0;
producer.onDelivery((_tag, error) => {
  if (error && failed++ === 0) console.error(`bench load: a record was not delivered: ${error.message}`);
});

let seq = plan.seqBase;

function sendOne(s: Stream): void {
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
  // A record librdkafka's queue has no room for is retried by the producer until it has.
  const now = Date.now();
  producer.produce(
    {
      topic: item.topic,
      key: item.key,
      value: item.value,
      timestamp: now,
      headers: { ...headers, [SEQ_HEADER]: String(seq), [SENT_HEADER]: String(now) },
    },
    0,
  );
  seq++;
  s.sent++;
  if (survivesBenchTopology(item.type)) s.expectedOutputs++;
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
      while (budget-- > 0 && s.sent < s.count) sendOne(s);
      if (s.sent >= s.count) s.finishedAt = Date.now();
    }
    if (idle) resolve();
    else setTimeout(tick, streams.every((s) => s.rate > 0 || s.sent >= s.count) ? 1 : 0);
  };
  tick();
});
const producedAt = Date.now();
await producer.flush(120_000);
if (failed > 0) throw new Error(`bench load: ${failed} records were not delivered`);
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
await producer.disconnect();
process.exit(0);
