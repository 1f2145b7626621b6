// Resume across records the gateway cannot decode, over the embedded broker's history: the valid
// records are replayed, the answer is RESUME_GAP listing the dead ones — exactly for the channel
// their headers and key name, as "may belong" for every resumed channel of the kind when only the
// kind is known — and a lane source halts (nothing after the failed record) when the fan-out fails.

import { describe, expect, it } from 'vitest';
import { SerdeError } from '../../../core/errors.js';
import { HEADERS } from '../../../core/headers.js';
import { silentLogger } from '../../../core/logger.js';
import { createChannelRouter } from '../../../gateway/channels/routing.js';
import type { Channel } from '../../../gateway/client/channels.js';
import type { Delivery, ResumeResult } from '../../../gateway/client/protocol.js';
import { parseStandaloneGatewayConfig } from '../../../gateway/config.js';
import type { EventDecoder } from '../../../gateway/decoder.js';
import type { LaneRecord } from '../../../gateway/delivery/laneSource.js';
import { LaneFeedHistory } from '../../../gateway/embedded/laneFeedHistory.js';
import { LaneFeedSource } from '../../../gateway/embedded/laneFeedSource.js';
import { GatewayMetrics } from '../../../gateway/metrics.js';
import { ResumeService } from '../../../gateway/replay/resumeService.js';
import { InProcessBroker } from '../../../runtime/testing/broker.js';
import { createLaneFeed } from '../../../runtime/transport/inprocess/lane-feed.js';
import { sampleEvent } from '../../../schemas/samples.js';

const topics = { CRITICAL: 'l.critical', HIGH: 'l.high', STANDARD: 'l.standard', BACKGROUND: 'l.background' };

const decoder: EventDecoder = {
  deserialize(bytes, ctx) {
    if (bytes[0] !== 0x7b) throw new SerdeError('SERDE_MAGIC_BYTE', 'not Avro', { context: { ...ctx } });
    return JSON.parse(bytes.toString());
  },
};

function setup() {
  const broker = new InProcessBroker({ defaultPartitions: 1 });
  for (const t of Object.values(topics)) broker.createTopic(t, { partitions: 1 });
  const feed = createLaneFeed(broker, topics);
  const metrics = new GatewayMetrics();
  const resume = new ResumeService({
    reader: new LaneFeedHistory(feed),
    decoder,
    router: createChannelRouter(),
    metrics,
    logger: silentLogger(),
    laneTopics: topics,
    maxRecords: 1000,
    timeoutMs: 2000,
    chunkSize: 100,
    conflateMarketData: false,
  });
  const event = (topic: string, value: unknown) =>
    broker.produce({ topic, key: null, value: Buffer.from(JSON.stringify(value)) }).offset;
  const garbage = (topic: string, type?: string, key?: string) =>
    broker.produce({
      topic,
      key: key ? Buffer.from(key) : null,
      value: Buffer.from('garbage'),
      headers: type ? { [HEADERS.eventType]: Buffer.from(type) } : {},
    }).offset;
  const replayed: Delivery[] = [];
  const target = { connected: true, sendReplay: (_c: Channel, d: Delivery[]) => void replayed.push(...d) };
  const run = (channel: Channel) => resume.resume(target, channel, {}, Date.now());
  return { feed, metrics, event, garbage, replayed, run };
}

const lostOf = (r: ResumeResult) => (!r.ok && r.lost ? r.lost.map((l) => [l.position.offset, l.exact]) : []);

describe('resume across undecodable records', () => {
  it('answers RESUME_GAP naming the record its headers route to the channel, after replaying the rest', async () => {
    const { event, garbage, replayed, run, metrics } = setup();
    const a = event(topics.CRITICAL, sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-1' } }));
    const dead = garbage(topics.CRITICAL, 'MARGIN_CALL', 'ACC-1');
    garbage(topics.CRITICAL, 'MARGIN_CALL', 'ACC-2'); // another account's: not this channel's gap
    const b = event(topics.CRITICAL, sampleEvent('MARGIN_CALL', { header: { accountId: 'ACC-1' } }));
    const result = await run('risk:ACC-1');
    expect(result).toMatchObject({
      ok: false,
      code: 'RESUME_GAP',
      replayed: 2,
      cursor: { 'l.critical/0': 4 },
    });
    expect(lostOf(result)).toEqual([[dead, true]]);
    expect(!result.ok && result.reason).toMatch(/1 record\(s\) of this channel could not be decoded/);
    expect(replayed.map((d) => [d.position.offset, d.prev])).toEqual([
      [a, -1],
      [b, dead],
    ]);
    expect(metrics.resumeGaps).toBe(1);
    expect(await run('risk:ACC-3')).toMatchObject({ ok: true, replayed: 0 });
  });

  it('reports a record whose headers name only the kind as possibly lost to every channel of the kind', async () => {
    const { garbage, run } = setup();
    // Order events are routed by payload.accountId but keyed by symbol: only the kind is known.
    const dead = garbage(topics.HIGH, 'ORDER_FILLED', 'AAPL');
    garbage(topics.HIGH); // no headers at all: may be anyone's
    const orders = await run('orders:ACC-9');
    expect(lostOf(orders)).toEqual([
      [dead, false],
      [dead + 1, false],
    ]);
    expect(!orders.ok && orders.reason).toMatch(/may belong to this channel/);
    // A market channel shares the HIGH lane: only the header-less record may be its.
    expect(lostOf(await run('market:AAPL'))).toEqual([[dead + 1, false]]);
  });
});

describe('a lane source whose fan-out fails', () => {
  it('halts: nothing after the failed batch is handed out, and the sink is told why', async () => {
    const broker = new InProcessBroker({ defaultPartitions: 1 });
    for (const t of Object.values(topics)) broker.createTopic(t, { partitions: 1 });
    const feed = createLaneFeed(broker, topics);
    const config = parseStandaloneGatewayConfig({
      connection: { kafka: { brokers: 'in-process' }, registry: { url: 'http://in-process.invalid' } },
      auth: { jwt: { secret: 'k3Jq9V0xTQ2mB7wLzR8cYp4sNf6HdA1u', issuer: 'i', audience: 'a' } },
      lanes: { topics },
    });
    const seen: LaneRecord[] = [];
    const halted: unknown[] = [];
    const failure = new SerdeError('SCHEMA_REGISTRY_UNAVAILABLE', 'registry down', { retriable: true });
    const source = new LaneFeedSource(
      feed,
      {
        onBatch: async (batch) => {
          seen.push(...batch);
          if (batch.some((r) => r.value?.toString() === 'poison')) throw failure;
        },
        onHalt: (e) => void halted.push(e),
      },
      config.lanes,
      silentLogger(),
    );
    await source.start();
    broker.produce({ topic: topics.CRITICAL, key: null, value: Buffer.from('ok') });
    await new Promise((r) => setTimeout(r, 10));
    broker.produce({ topic: topics.CRITICAL, key: null, value: Buffer.from('poison') });
    await new Promise((r) => setTimeout(r, 10));
    broker.produce({ topic: topics.CRITICAL, key: null, value: Buffer.from('after') });
    await new Promise((r) => setTimeout(r, 10));
    expect(seen.map((r) => r.value?.toString())).toEqual(['ok', 'poison']);
    expect(halted).toEqual([failure]);
    await source.stop();
  });
});
