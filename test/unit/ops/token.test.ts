// Development tokens are accepted by the gateway's own verifier (same secret, issuer, audience
// and claim names) and carry the roles and account its policy reads.
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { DEV_JWT, devJwtConfig, mintDevToken, tokenCommand } from '../../../cli/token.js';
import { ConfigError } from '../../../core/errors.js';
import { createTokenVerifier } from '../../../gateway/auth/tokenVerifier.js';

describe('mintDevToken', () => {
  it('mints a token the gateway verifier accepts with the dev defaults', async () => {
    const jwt = devJwtConfig({});
    expect(jwt).toMatchObject({ secret: DEV_JWT.secret, issuer: DEV_JWT.issuer, audience: DEV_JWT.audience });
    const token = await mintDevToken({
      sub: 'u-42',
      roles: ['trader', 'risk-manager'],
      account: 'ACC-1',
      jwt,
    });
    const principal = await (await createTokenVerifier(jwt)).verify(token);
    expect(principal).toMatchObject({
      kind: 'user',
      id: 'u-42',
      roles: ['trader', 'risk-manager'],
      account: 'ACC-1',
      via: 'jwt',
    });
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
  });

  it('uses TMBUS_JWT_SECRET / _ISSUER / _AUDIENCE, and a gateway with other settings refuses it', async () => {
    const env = {
      TMBUS_JWT_SECRET: 'x'.repeat(40),
      TMBUS_JWT_ISSUER: 'https://idp.test',
      TMBUS_JWT_AUDIENCE: 'gw-test',
    };
    const token = await mintDevToken({ sub: 'svc', roles: ['service'], jwt: devJwtConfig(env) });
    expect((await (await createTokenVerifier(devJwtConfig(env))).verify(token)).kind).toBe('service');
    await expect((await createTokenVerifier(devJwtConfig({}))).verify(token)).rejects.toMatchObject({
      code: 'AUTH_INVALID_TOKEN',
    });
  });

  it('expires after the ttl', async () => {
    const jwt = devJwtConfig({});
    const token = await mintDevToken({
      sub: 'u',
      roles: ['trader'],
      ttlMs: 1000,
      now: Date.now() - 60_000,
      jwt,
    });
    await expect((await createTokenVerifier(jwt)).verify(token)).rejects.toMatchObject({
      code: 'AUTH_EXPIRED',
    });
  });

  it('refuses a secret the gateway would refuse', () => {
    expect(() => devJwtConfig({ TMBUS_JWT_SECRET: 'short' })).toThrow(ConfigError);
    expect(() => devJwtConfig({ TMBUS_JWT_SECRET: 'short' })).toThrow(/secret/);
  });
});

describe('tmbus token', () => {
  it('prints a verifiable token for --sub, --roles, --account and --ttl', async () => {
    let out = '';
    let err = '';
    const cmd = tokenCommand({ env: {} }).configureOutput({
      writeOut: (s) => (out += s),
      writeErr: (s) => (err += s),
    });
    await cmd.parseAsync(['--sub', 'u-7', '--roles', 'trader, admin', '--account', 'ACC-9', '--ttl', '15m'], {
      from: 'user',
    });
    expect(err).toMatch(/development secret/);
    const principal = await (await createTokenVerifier(devJwtConfig({}))).verify(out.trim());
    expect(principal).toMatchObject({ id: 'u-7', roles: ['trader', 'admin'], account: 'ACC-9' });
    expect(principal.expiresAt! - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(principal.expiresAt! - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 1000);
  });

  it('has --help', () => {
    expect(tokenCommand().helpInformation()).toMatch(
      /--sub <userId>[\s\S]*--roles <roles>[\s\S]*--ttl <duration>/,
    );
  });
});
