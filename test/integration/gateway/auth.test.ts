// Who gets in, over a real gateway (Kafka, Redis, registry): JWTs that are expired, not yet
// valid, badly signed, for another audience or issuer, or `alg: none` are refused with a code and
// a reason; RS256 keys and service API keys work; a token that runs out without a refresh closes
// the connection with a reason, and an in-band refresh keeps it open; TLS 1.2 is refused when TLS
// is on.

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyDigest } from '../../../gateway/auth/apiKeys.js';
import { GatewayRefusedError } from '../../../gateway/client/index.js';
import {
  AUDIENCE,
  createFixture,
  eventually,
  type Fixture,
  ISSUER,
  SECRET,
  token,
} from './support/harness.js';

let fx: Fixture;
let url: string;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SERVICE_KEY = 'svc-key-risk-engine-7d1f0c2a9b';

async function rs256(privateKey: typeof rsa.privateKey, claims: Record<string, unknown>, sub: string) {
  const key = await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('1h')
    .sign(key);
}

function b64url(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString('base64url');
}

beforeAll(async () => {
  fx = await createFixture('auth', 1);
  const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  ({ url } = await fx.startGateway({
    auth: {
      jwt: {
        secret: SECRET,
        issuer: ISSUER,
        audience: AUDIENCE,
        publicKeys: [{ alg: 'RS256', pem: publicPem }],
        clockToleranceSec: 0,
      },
      apiKeys: [{ id: 'risk-engine-1', sha256: apiKeyDigest(SERVICE_KEY), service: 'risk-engine' }],
      expiryWarningMs: 1500,
    },
    authorization: { services: { 'risk-engine': ['risk:*'] } },
  }));
});

afterAll(async () => {
  await fx?.cleanup();
});

async function refusal(auth: { token?: string; apiKey?: string }): Promise<GatewayRefusedError> {
  const client = fx.client(url, auth);
  const err = await client.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the connection must be refused').toBeInstanceOf(GatewayRefusedError);
  return err as GatewayRefusedError;
}

describe('handshake authentication', () => {
  it('accepts a valid HS256 token and a valid RS256 token', async () => {
    await fx.client(url, { token: await token('u-1', ['trader']) }).connect();
    await fx.client(url, { token: await rs256(rsa.privateKey, { roles: ['trader'] }, 'u-2') }).connect();
  });

  it('refuses an expired token as AUTH_EXPIRED', async () => {
    const expired = await token('u-1', ['trader'], {}, Math.floor(Date.now() / 1000) - 60);
    const err = await refusal({ token: expired });
    expect(err.code).toBe('AUTH_EXPIRED');
    expect(err.reason).toMatch(/expired/);
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    const early = await new SignJWT({ roles: ['trader'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setNotBefore('10m')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    const err = await refusal({ token: early });
    expect(err.code).toBe('AUTH_INVALID_TOKEN');
    expect(err.reason).toMatch(/nbf/);
  });

  it('refuses a wrong signature (other secret, other RSA key)', async () => {
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-000000'));
    expect((await refusal({ token: forged })).reason).toMatch(/signature/);
    const otherKey = await rs256(otherRsa.privateKey, { roles: ['admin'] }, 'u-1');
    expect((await refusal({ token: otherKey })).reason).toMatch(/signature/);
  });

  it('refuses a token for another audience or issuer', async () => {
    const sign = (iss: string, aud: string) =>
      new SignJWT({ roles: ['trader'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u-1')
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET));
    const aud = await refusal({ token: await sign(ISSUER, 'some-other-service') });
    expect(aud.code).toBe('AUTH_INVALID_TOKEN');
    expect(aud.reason).toMatch(/aud/);
    expect((await refusal({ token: await sign('https://evil.example', AUDIENCE) })).reason).toMatch(/iss/);
  });

  it('refuses an unsigned token (alg: none) and garbage', async () => {
    const payload = {
      sub: 'u-1',
      roles: ['admin'],
      iss: ISSUER,
      aud: AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 3600,
    };
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
    const err = await refusal({ token: none });
    expect(err.code).toBe('AUTH_INVALID_TOKEN');
    expect((await refusal({ token: 'not.a.jwt' })).code).toBe('AUTH_INVALID_TOKEN');
    expect((await refusal({})).reason).toMatch(/no token/);
  });

  it('authenticates a service with its API key and applies its channel permissions', async () => {
    const svc = fx.client(url, { apiKey: SERVICE_KEY });
    await svc.connect();
    expect(await svc.subscribe('risk:ACC-1')).toMatchObject({ ok: true });
    expect(await svc.subscribe('orders:ACC-1')).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
    expect((await refusal({ apiKey: 'svc-key-guessed' })).reason).toMatch(/unknown API key/);
  });
});

describe('token lifetime', () => {
  it('closes a connection whose token expires without a refresh, with the reason', async () => {
    const client = fx.client(url, { token: await token('u-exp', ['trader'], {}, '3s') });
    await client.connect();
    const closed = new Promise<{ code: string; reason: string }>((resolve) =>
      client.onSessionClosed(resolve),
    );
    const expiring = new Promise<number>((resolve) =>
      client.socket.once('auth:expiring', (n) => resolve(n.expiresAt)),
    );
    expect(await expiring).toBeGreaterThan(Date.now());
    const notice = await closed;
    expect(notice.code).toBe('AUTH_EXPIRED');
    expect(notice.reason).toMatch(/expired/);
    await eventually(() => !client.socket.connected, 5000, 'disconnect');
  });

  it('keeps the connection when the SDK refreshes the token in-band', async () => {
    let refreshed = 0;
    const client = fx.client(url, {
      token: await token('u-ref', ['trader'], { account: 'ACC-9' }, '3s'),
      onTokenExpiring: async () => {
        refreshed++;
        return token('u-ref', ['trader'], { account: 'ACC-9' }, '1h');
      },
    });
    await client.connect();
    expect(await client.subscribe('risk:ACC-9')).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 4500));
    expect(refreshed).toBe(1);
    expect(client.socket.connected).toBe(true);
    expect(client.lastClose).toBeUndefined();
    // A reconnect (network blip) after the first token expired presents the refreshed one.
    const reconnected = new Promise((r) => client.socket.once('connect', () => r(undefined)));
    client.socket.io.engine.close();
    await reconnected;
    expect(client.socket.connected).toBe(true);
    // A refresh naming someone else is refused and changes nothing.
    const hijack = await client.refreshToken(await token('u-other', ['admin']));
    expect(hijack).toMatchObject({ ok: false, code: 'AUTH_FORBIDDEN' });
    // A refresh with fewer rights leaves the channels it no longer allows.
    const demoted = await client.refreshToken(await token('u-ref', ['trader'], { account: 'ACC-10' }));
    expect(demoted).toMatchObject({ ok: true, revokedChannels: ['risk:ACC-9'] });
  });
});

describe('TLS', () => {
  let tlsUrl: string;
  let port: number;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const { url: u, gateway } = await fx.startGateway({
      instanceId: 'gw-tls',
      server: {
        host: '127.0.0.1',
        tls: { cert: join(dir, 'cert.pem'), key: readFileSync(join(dir, 'key.pem'), 'utf8') },
      },
    });
    tlsUrl = u;
    port = Number(new URL(u).port);
    expect(gateway.config.server.tls).toBeDefined();
  });

  const handshake = (maxVersion: 'TLSv1.2' | 'TLSv1.3') =>
    new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion }, () => {
        resolve(s.getProtocol() ?? '');
        s.end();
      });
      s.once('error', reject);
    });

  it('speaks TLS 1.3 and refuses a TLS 1.2 client', async () => {
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    await expect(handshake('TLSv1.2')).rejects.toThrow(/protocol|version/i);
  });

  it('serves Socket.IO clients over TLS 1.3', async () => {
    expect(tlsUrl.startsWith('https://')).toBe(true);
    const client = fx.client(tlsUrl, {
      token: await token('u-tls', ['trader']),
      socketOptions: { rejectUnauthorized: false },
    });
    await client.connect();
    expect(await client.subscribe('system')).toMatchObject({ ok: true });
  });
});
