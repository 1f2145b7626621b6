// The admin API across instances: an admin lists a user's connections on every gateway instance
// (with their channels) and disconnects them all, each with the reason; non-admins are refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../../gateway/gateway.js';
import { createFixture, eventually, type Fixture, token } from './support/harness.js';

let fx: Fixture;
let a: { gateway: Gateway; url: string };
let b: { gateway: Gateway; url: string };

beforeAll(async () => {
  fx = await createFixture('sessions', 1);
  a = await fx.startGateway({ instanceId: 'gw-sess-a' });
  b = await fx.startGateway({ instanceId: 'gw-sess-b' });
});

afterAll(async () => {
  await fx?.cleanup();
});

describe('admin session API', () => {
  it("lists a user's connections on every instance and disconnects them with a reason", async () => {
    const jwt = await token('u-target', ['trader'], { account: 'ACC-T' });
    const onA = fx.client(a.url, { token: jwt });
    const onB = fx.client(b.url, { token: jwt });
    await Promise.all([onA.connect(), onB.connect()]);
    await onA.subscribe('risk:ACC-T');
    await onB.subscribe('market:AAPL');
    const admin = fx.client(a.url, { token: await token('u-root', ['admin']) });
    await admin.connect();

    const listed = await admin.sessions('u-target');
    expect(listed.ok).toBe(true);
    const sessions = listed.ok ? listed.sessions : [];
    expect(sessions.map((s) => s.instanceId).sort()).toEqual(['gw-sess-a', 'gw-sess-b']);
    expect(sessions.find((s) => s.instanceId === 'gw-sess-a')).toMatchObject({
      principal: { kind: 'user', id: 'u-target', roles: ['trader'] },
      channels: ['risk:ACC-T'],
      socketId: onA.socket.id,
    });
    expect(sessions.find((s) => s.instanceId === 'gw-sess-b')!.channels).toEqual(['market:AAPL']);

    const reasons: string[] = [];
    onA.onSessionClosed((n) => reasons.push(`${n.code}: ${n.reason}`));
    onB.onSessionClosed((n) => reasons.push(`${n.code}: ${n.reason}`));
    expect(await admin.disconnectUser('u-target', 'compliance hold')).toEqual({ ok: true, disconnected: 2 });
    await eventually(() => !onA.socket.connected && !onB.socket.connected, 10_000, 'both sessions closed');
    expect(reasons).toEqual(['SESSION_REVOKED: compliance hold', 'SESSION_REVOKED: compliance hold']);
    const after = await admin.sessions('u-target');
    expect(after.ok && after.sessions).toEqual([]);
  });

  it('refuses the admin API to non-admins', async () => {
    const trader = fx.client(b.url, { token: await token('u-curious', ['trader']) });
    await trader.connect();
    expect(await trader.sessions('u-root')).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
    expect(await trader.disconnectUser('u-root')).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
  });
});
