// Loss-free resume against real Kafka: a client that was away gets what it missed replayed from
// the lane topics before live delivery continues; a missed live delivery is detected through the
// `prev` link and filled in; a client further behind than `replay.maxRecords` is told RESUME_GAP
// and continues live; a resume cannot widen what a client may read.

import { io as rawClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery, ResumeResult } from '../../../gateway/client/index.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { createFixture, eventually, type Fixture, token } from './support/harness.js';

let fx: Fixture;
let gw: { gateway: Gateway; url: string };

beforeAll(async () => {
  fx = await createFixture('resume', 2);
  gw = await fx.startGateway({ instanceId: 'gw-resume', replay: { maxRecords: 40 } });
});

afterAll(async () => {
  await fx?.cleanup();
});

const margin = (account: string) => ({ header: { accountId: account } }) as never;
const offsetsOf = (got: Delivery[]) => got.map((d) => d.position.offset);

describe('resume from a cursor', () => {
  it('replays what a disconnected client missed, then continues live, each event once and in order', async () => {
    const client = fx.client(gw.url, { token: await token('u-r1', ['trader'], { account: 'ACC-R1' }) });
    await client.connect();
    const got: Delivery[] = [];
    client.onChannel('risk:ACC-R1', (d) => got.push(d));
    const ack = await client.subscribe('risk:ACC-R1');
    expect(ack.ok && Object.keys(ack.cursor)).toHaveLength(2); // both partitions of the CRITICAL lane

    const produced = [];
    for (let i = 0; i < 3; i++) produced.push(await fx.publish('MARGIN_CALL', margin('ACC-R1')));
    await eventually(() => got.length === 3, 20_000, 'live deliveries');

    client.socket.disconnect();
    const broadcast = gw.gateway.metrics.deliveries.CRITICAL;
    for (let i = 0; i < 6; i++) produced.push(await fx.publish('RISK_LIMIT_BREACH', margin('ACC-R1')));
    await eventually(
      () => gw.gateway.metrics.deliveries.CRITICAL === broadcast + 6,
      20_000,
      'gateway broadcast while the client was away',
    );
    const replayedBefore = gw.gateway.metrics.replayedRecords;
    client.socket.connect();
    await eventually(() => got.length === 9, 20_000, 'replayed deliveries');
    expect(gw.gateway.metrics.replayedRecords - replayedBefore).toBe(6);

    produced.push(await fx.publish('MARGIN_CALL', margin('ACC-R1')));
    await eventually(() => got.length === 10, 20_000, 'live again');
    await new Promise((r) => setTimeout(r, 300));
    expect(offsetsOf(got)).toEqual(produced.map((p) => p.offset));
    expect(got.map((d) => d.type)).toEqual([
      ...Array(3).fill('MARGIN_CALL'),
      ...Array(6).fill('RISK_LIMIT_BREACH'),
      'MARGIN_CALL',
    ]);
  });

  it('notices a missed live delivery by its prev link and fills the hole from Kafka', async () => {
    const client = fx.client(gw.url, { token: await token('u-r2', ['trader'], { account: 'ACC-R2' }) });
    await client.connect();
    const got: Delivery[] = [];
    client.onChannel('risk:ACC-R2', (d) => got.push(d));
    await client.subscribe('risk:ACC-R2');
    const first = await fx.publish('MARGIN_CALL', margin('ACC-R2'));
    await eventually(() => got.length === 1, 20_000, 'first');
    // Take the socket out of the room behind the SDK's back: the next two deliveries are lost.
    await gw.gateway.io.in(client.socket.id!).socketsLeave('risk:ACC-R2');
    const broadcast = gw.gateway.metrics.deliveries.CRITICAL;
    const lost = [
      await fx.publish('MARGIN_CALL', margin('ACC-R2')),
      await fx.publish('MARGIN_CALL', margin('ACC-R2')),
    ];
    await eventually(
      () => gw.gateway.metrics.deliveries.CRITICAL === broadcast + 2,
      20_000,
      'lost broadcasts',
    );
    await gw.gateway.io.in(client.socket.id!).socketsJoin('risk:ACC-R2');
    const last = await fx.publish('MARGIN_CALL', margin('ACC-R2'));
    await eventually(() => got.length === 4, 20_000, 'gap filled');
    expect(offsetsOf(got)).toEqual([first, ...lost, last].map((p) => p.offset));
  });

  it('answers RESUME_GAP when the client is further behind than replay.maxRecords, then goes on live', async () => {
    const client = fx.client(gw.url, { token: await token('u-r3', ['trader'], { account: 'ACC-R3' }) });
    await client.connect();
    const got: Delivery[] = [];
    const gaps: ResumeResult[] = [];
    client.onChannel('risk:ACC-R3', (d) => got.push(d));
    client.onResumeGap((r) => gaps.push(r));
    await client.subscribe('risk:ACC-R3');
    client.socket.disconnect();
    for (let i = 0; i < 45; i++) await fx.publish('MARGIN_CALL', margin('ACC-R3'));
    client.socket.connect();
    await eventually(() => gaps.length === 1, 20_000, 'gap reported');
    expect(gaps[0]).toMatchObject({ channel: 'risk:ACC-R3', ok: false, code: 'RESUME_GAP' });
    expect(!gaps[0]!.ok && gaps[0]!.reason).toMatch(/more than replay.maxRecords \(40\)/);
    expect(got).toHaveLength(0);
    const live = await fx.publish('MARGIN_CALL', margin('ACC-R3'));
    await eventually(() => got.length === 1, 20_000, 'live after the gap');
    expect(got[0]!.position).toEqual(live);
  });

  it('refuses to resume a channel the client may not read, and reads only the channel’s lanes', async () => {
    const s = rawClient(gw.url, {
      transports: ['websocket'],
      auth: { token: await token('u-r4', ['trader'], { account: 'ACC-R4' }) },
    });
    await new Promise<void>((r) => s.once('connect', () => r()));
    const sub = await s.timeout(10_000).emitWithAck('subscribe', { channel: 'risk:ACC-R4' });
    const res = await s.timeout(10_000).emitWithAck('resume', {
      channels: [
        { channel: 'risk:ACC-OTHER', cursor: {} },
        // A cursor naming another topic is ignored: the lanes come from the channel, not the client.
        { channel: 'risk:ACC-R4', cursor: { 'some.private.topic/0': 0, ...sub.cursor } },
      ],
    });
    expect(res.ok).toBe(true);
    expect(res.results[0]).toMatchObject({ channel: 'risk:ACC-OTHER', ok: false, code: 'AUTH_FORBIDDEN' });
    expect(res.results[1]).toMatchObject({ channel: 'risk:ACC-R4', ok: true, replayed: 0 });
    expect(Object.keys(res.results[1].cursor).sort()).toEqual([
      `${fx.lanes.CRITICAL}/0`,
      `${fx.lanes.CRITICAL}/1`,
    ]);
    s.disconnect();
  });
});
