// JWT verification: every accepted algorithm and key source, and every refusal with its code.
// The JWKS is served by a local HTTP server (the identity provider's part), not mocked.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../../core/errors.js';
import { jwtConfigSchema } from '../../../gateway/auth/authConfig.js';
import { createTokenVerifier, type TokenVerifier } from '../../../gateway/auth/tokenVerifier.js';

const SECRET = 'unit-test-secret-0123456789abcdef0123';
const ISS = 'https://idp.unit';
const AUD = 'gw-unit';
type Key = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa: Key;
let ec: Key;
let jwksKey: Key;
let strangerEc: Key;
let server: Server;
let verifier: TokenVerifier;

async function sign(
  alg: string,
  key: Key['privateKey'] | Uint8Array,
  claims: Record<string, unknown> = {},
  opts: { kid?: string; exp?: string | number; aud?: string; iss?: string; nbf?: string } = {},
) {
  const jwt = new SignJWT({ roles: ['trader'], account: 'ACC-1', ...claims })
    .setProtectedHeader({ alg, ...(opts.kid ? { kid: opts.kid } : {}) })
    .setSubject('u-1')
    .setIssuer(opts.iss ?? ISS)
    .setAudience(opts.aud ?? AUD)
    .setExpirationTime(opts.exp ?? '10m');
  if (opts.nbf) jwt.setNotBefore(opts.nbf);
  return jwt.sign(key);
}

async function refusal(token: string): Promise<GatewayError> {
  return verifier.verify(token).then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: GatewayError) => e,
  );
}

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true });
  ec = await generateKeyPair('ES256', { extractable: true });
  jwksKey = await generateKeyPair('ES256', { extractable: true });
  strangerEc = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(jwksKey.publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  server = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const config = jwtConfigSchema.parse({
    secret: SECRET,
    issuer: ISS,
    audience: AUD,
    clockToleranceSec: 0,
    publicKeys: [
      { alg: 'RS256', pem: await exportSPKI(rsa.publicKey), kid: 'rsa-1' },
      { alg: 'ES256', pem: await exportSPKI(ec.publicKey), kid: 'ec-1' },
    ],
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
  });
  verifier = await createTokenVerifier(config);
});

afterAll(() => server?.close());

describe('token verifier', () => {
  it('accepts HS256, RS256 and ES256 with configured keys, and ES256 from the JWKS', async () => {
    const hs = await verifier.verify(await sign('HS256', new TextEncoder().encode(SECRET)));
    expect(hs).toMatchObject({ kind: 'user', id: 'u-1', roles: ['trader'], account: 'ACC-1', via: 'jwt' });
    expect(hs.expiresAt).toBeGreaterThan(Date.now());
    await expect(
      verifier.verify(await sign('RS256', rsa.privateKey, {}, { kid: 'rsa-1' })),
    ).resolves.toMatchObject({ id: 'u-1' });
    await expect(
      verifier.verify(await sign('ES256', ec.privateKey, {}, { kid: 'ec-1' })),
    ).resolves.toMatchObject({ id: 'u-1' });
    await expect(
      verifier.verify(await sign('ES256', jwksKey.privateKey, {}, { kid: 'idp-1' })),
    ).resolves.toMatchObject({ id: 'u-1' });
  });

  it('marks service tokens and reads space-separated roles', async () => {
    const p = await verifier.verify(
      await sign('HS256', new TextEncoder().encode(SECRET), { roles: 'service reporting' }),
    );
    expect(p).toMatchObject({ kind: 'service', roles: ['service', 'reporting'] });
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    const expired = await refusal(
      await sign('HS256', new TextEncoder().encode(SECRET), {}, { exp: Math.floor(Date.now() / 1000) - 5 }),
    );
    expect(expired.code).toBe('AUTH_EXPIRED');
    const early = await refusal(await sign('HS256', new TextEncoder().encode(SECRET), {}, { nbf: '5m' }));
    expect([early.code, early.message]).toEqual(['AUTH_INVALID_TOKEN', 'token not yet valid (nbf)']);
  });

  it('refuses wrong keys, wrong audience and wrong issuer', async () => {
    expect((await refusal(await sign('HS256', new TextEncoder().encode(`${SECRET}x`)))).message).toMatch(
      /signature/,
    );
    expect((await refusal(await sign('ES256', strangerEc.privateKey, {}, { kid: 'ec-1' }))).message).toMatch(
      /signature/,
    );
    expect(
      (await refusal(await sign('ES256', strangerEc.privateKey, {}, { kid: 'unknown' }))).message,
    ).toMatch(/no key in the key set/);
    expect(
      (await refusal(await sign('HS256', new TextEncoder().encode(SECRET), {}, { aud: 'other' }))).message,
    ).toMatch(/'aud'/);
    expect(
      (await refusal(await sign('HS256', new TextEncoder().encode(SECRET), {}, { iss: 'https://evil' })))
        .message,
    ).toMatch(/'iss'/);
  });

  it('refuses alg none, missing claims and garbage', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${b64({ alg: 'none' })}.${b64({ sub: 'u-1', iss: ISS, aud: AUD, exp: Date.now() / 1000 + 60 })}.`;
    expect((await refusal(none)).code).toBe('AUTH_INVALID_TOKEN');
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setIssuer(ISS)
      .setAudience(AUD)
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(noExp)).message).toMatch(/exp/);
    expect((await refusal('')).message).toMatch(/no token/);
    expect((await refusal('a.b.c')).code).toBe('AUTH_INVALID_TOKEN');
  });

  it('refuses an algorithm that is not allowed even with a valid signature', async () => {
    const rsOnly = await createTokenVerifier(
      jwtConfigSchema.parse({
        secret: SECRET,
        issuer: ISS,
        audience: AUD,
        algorithms: ['RS256'],
        publicKeys: [{ alg: 'RS256', pem: await exportSPKI(rsa.publicKey) }],
      }),
    );
    const hs = await sign('HS256', new TextEncoder().encode(SECRET));
    await expect(rsOnly.verify(hs)).rejects.toMatchObject({
      code: 'AUTH_INVALID_TOKEN',
      message: 'token algorithm not allowed',
    });
  });

  it('refuses configurations without a key or with a short secret', () => {
    expect(jwtConfigSchema.safeParse({ issuer: ISS, audience: AUD }).success).toBe(false);
    expect(jwtConfigSchema.safeParse({ issuer: ISS, audience: AUD, secret: 'short' }).success).toBe(false);
    expect(jwtConfigSchema.safeParse({ audience: AUD, secret: SECRET }).success).toBe(false);
  });
});
