// Heartbeats with configured timings: a client that stops answering pings (its TCP socket no
// longer read) is dropped by the gateway after pingInterval + pingTimeout, its connection slot is
// released, and a healthy client on the same gateway stays connected throughout.

import { io as rawClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { createFixture, eventually, type Fixture, token } from './support/harness.js';

let fx: Fixture;
let gw: { gateway: Gateway; url: string };

beforeAll(async () => {
  fx = await createFixture('heartbeat', 1);
  gw = await fx.startGateway({
    instanceId: 'gw-heartbeat',
    server: { pingIntervalMs: 300, pingTimeoutMs: 300 },
    connections: { maxPerUser: 1 },
  });
});

afterAll(async () => {
  await fx?.cleanup();
});

function connect(jwt: string): Promise<Socket> {
  const s = rawClient(gw.url, { transports: ['websocket'], auth: { token: jwt }, reconnection: false });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

describe('heartbeats', () => {
  it('drops a client that stops answering pings and frees its connection slot', async () => {
    const healthy = await connect(await token('u-healthy', ['trader']));
    const silentJwt = await token('u-silent', ['trader']);
    const silent = await connect(silentJwt);
    expect(gw.gateway.metrics.connectionsOpen).toBe(2);
    // Stop reading and writing: the gateway's pings go unanswered.
    const tcp = (silent.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket;
    tcp.pause();
    (silent.io.engine as unknown as { pingTimeoutTimer?: NodeJS.Timeout }).pingTimeoutTimer?.unref();
    const t0 = Date.now();
    await eventually(() => gw.gateway.metrics.connectionsOpen === 1, 5000, 'the silent client dropped');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(healthy.connected).toBe(true);
    // The slot is free again (maxPerUser is 1): the same user can reconnect.
    silent.disconnect();
    const again = await connect(silentJwt);
    expect(again.connected).toBe(true);
    again.disconnect();
    healthy.disconnect();
  });
});
