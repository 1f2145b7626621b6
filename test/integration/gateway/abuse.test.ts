// Misbehaving clients over a real two-instance gateway: forbidden channels are refused and join
// nothing, floods are rate-limited per user (and finally disconnected) while other clients keep
// their service, unknown events / malformed requests / oversize payloads are refused with a reason,
// an undecodable packet or an oversize frame closes only that connection, and the per-user
// connection limit holds across instances through Redis.

import { io as rawClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Delivery, GatewayRefusedError } from '../../../gateway/client/index.js';
import type { Gateway } from '../../../gateway/gateway.js';
import { createFixture, eventually, type Fixture, token } from './support/harness.js';

let fx: Fixture;
let a: { gateway: Gateway; url: string };
let b: { gateway: Gateway; url: string };

beforeAll(async () => {
  fx = await createFixture('abuse', 1);
  const limits = {
    // A long window keeps the flood test deterministic on a loaded machine.
    rateLimits: { user: { points: 20, durationSec: 60 }, disconnectAfterRefusals: 60 },
    connections: { maxPerUser: 2 },
    server: { maxEventBytes: 1024, maxHttpBufferSize: 8192 },
  };
  a = await fx.startGateway({ instanceId: 'gw-abuse-a', ...limits });
  b = await fx.startGateway({ instanceId: 'gw-abuse-b', ...limits });
});

afterAll(async () => {
  await fx?.cleanup();
});

async function raw(url: string, jwt: string): Promise<Socket> {
  const s = rawClient(url, { transports: ['websocket'], auth: { token: jwt }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}

describe('authorization', () => {
  it("refuses another user's orders channel with a reason, and joins nothing", async () => {
    const trader = fx.client(a.url, { token: await token('u-alice', ['trader'], { account: 'ACC-ALICE' }) });
    await trader.connect();
    const got: Delivery[] = [];
    trader.onDelivery((d) => got.push(d));
    const ack = await trader.subscribe('orders:ACC-BOB');
    expect(ack).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
    expect(!ack.ok && ack.reason).toMatch(/may not subscribe to 'orders:ACC-BOB'/);
    expect(await trader.subscribe('orders:u-bob')).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
    expect(await trader.subscribe('orders:ACC-ALICE')).toMatchObject({ ok: true });
    // Nobody is in Bob's room on any instance, and Bob's fill does not reach Alice.
    expect(await a.gateway.io.in('orders:ACC-BOB').fetchSockets()).toHaveLength(0);
    await fx.publish('ORDER_FILLED', { payload: { accountId: 'ACC-BOB' } });
    await fx.publish('ORDER_FILLED', { payload: { accountId: 'ACC-ALICE' } });
    await eventually(() => got.length === 1, 20_000, "Alice's own fill");
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((d) => d.channel)).toEqual(['orders:ACC-ALICE']);
  });

  it('refuses malformed channel names as BAD_REQUEST', async () => {
    const trader = fx.client(a.url, { token: await token('u-carol', ['trader']) });
    await trader.connect();
    expect(await trader.subscribe('tm.lane.critical')).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await trader.subscribe('admin:everything')).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });
});

describe('floods and bad packets', () => {
  it('rate-limits a flooding user, closes it, and leaves other clients unaffected', async () => {
    const victim = fx.client(b.url, { token: await token('u-victim', ['trader']) });
    await victim.connect();
    const prices: Delivery[] = [];
    victim.onDelivery((d) => prices.push(d));
    expect(await victim.subscribe('market:FLOOD')).toMatchObject({ ok: true });

    const flooder = await raw(a.url, await token('u-flooder', ['trader']));
    const closed = new Promise<{ code: string; reason: string }>((r) => flooder.once('session:closed', r));
    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        flooder
          .timeout(10_000)
          .emitWithAck('subscribe', { channel: `market:S${i}` })
          .catch(() => ({ ok: false, code: 'NO_ANSWER' })),
      ),
    );
    const limited = acks.filter((x: { code?: string }) => x.code === 'RATE_LIMITED');
    expect(acks.filter((x: { ok: boolean }) => x.ok).length).toBeLessThanOrEqual(20);
    expect(limited.length).toBeGreaterThanOrEqual(60);
    expect((limited[0] as { retryAfterMs?: number }).retryAfterMs).toBeGreaterThan(0);
    expect((await closed).code).toBe('RATE_LIMITED');
    await eventually(() => flooder.disconnected, 5000, 'flooder disconnected');

    // Meanwhile (and after) the other user subscribes and receives as usual.
    expect(await victim.subscribe('market:OTHER')).toMatchObject({ ok: true });
    await fx.publish('PRICE_UPDATE', { header: { symbol: 'FLOOD' } });
    await eventually(() => prices.length === 1, 20_000, 'victim delivery');
    expect(a.gateway.metrics.refusals.RATE_LIMITED).toBeGreaterThanOrEqual(60);
  });

  it('refuses unknown events, malformed requests and oversize payloads with a reason', async () => {
    const s = await raw(a.url, await token('u-dave', ['trader']));
    const ask = (event: string, payload: unknown) => s.timeout(5000).emitWithAck(event, payload);
    expect(await ask('produce', { topic: 'tm.lane.critical' })).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
      reason: expect.stringMatching(/unknown event 'produce'/),
    });
    expect(await ask('subscribe', { channel: 42 })).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
      reason: expect.stringMatching(/channel/),
    });
    expect(await ask('resume', { channels: [{ channel: 'system', cursor: { x: -1 } }] })).toMatchObject({
      ok: false,
      code: 'BAD_REQUEST',
    });
    expect(await ask('subscribe', { channel: 'market:X', pad: 'x'.repeat(2000) })).toMatchObject({
      ok: false,
      code: 'PAYLOAD_TOO_LARGE',
    });
    // Without an acknowledgement the refusal comes as an event.
    const notice = new Promise<{ code: string; event: string }>((r) => s.once('gateway:error', r));
    s.emit('whatever', 1);
    expect(await notice).toMatchObject({ code: 'BAD_REQUEST', event: 'whatever' });
    // The connection survives all of that.
    expect(await ask('subscribe', { channel: 'system' })).toMatchObject({ ok: true });
    s.disconnect();
  });

  it('closes only the offending connection on an oversize frame or an undecodable packet', async () => {
    const bystander = fx.client(a.url, { token: await token('u-erin', ['trader']) });
    await bystander.connect();
    const got: Delivery[] = [];
    bystander.onDelivery((d) => got.push(d));
    expect(await bystander.subscribe('market:BYSTAND')).toMatchObject({ ok: true });

    const big = await raw(a.url, await token('u-frank', ['trader']));
    const bigGone = new Promise<string>((r) => big.once('disconnect', r));
    big.emit('subscribe', { channel: 'x'.repeat(20_000) }, () => undefined);
    expect(await bigGone).toMatch(/transport (close|error)/);

    const garbage = await raw(a.url, await token('u-gina', ['trader']));
    const garbageGone = new Promise<string>((r) => garbage.once('disconnect', r));
    // An engine.io message frame whose Socket.IO payload is not a packet.
    (garbage.io.engine as unknown as { write(data: string): void }).write('2[broken');
    expect(await garbageGone).toMatch(/transport close|io server disconnect/);

    await fx.publish('PRICE_UPDATE', { header: { symbol: 'BYSTAND' } });
    await eventually(() => got.length === 1, 20_000, 'bystander still served');
    expect(bystander.socket.connected).toBe(true);
  });
});

describe('connection limits', () => {
  it('counts a user’s connections across instances', async () => {
    const jwt = await token('u-many', ['trader']);
    await fx.client(a.url, { token: jwt }).connect();
    await fx.client(b.url, { token: jwt }).connect();
    const third = await fx
      .client(a.url, { token: jwt })
      .connect()
      .catch((e: unknown) => e);
    expect(third).toBeInstanceOf(GatewayRefusedError);
    expect((third as GatewayRefusedError).code).toBe('CONNECTION_LIMIT');
    expect((third as GatewayRefusedError).reason).toMatch(/2 connections open for user 'u-many' \(max 2\)/);
  });
});
