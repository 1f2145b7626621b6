import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../gateway/auth/principal.js';
import { createChannelPolicy, policyConfigSchema } from '../../../gateway/authz/policy.js';

const policy = createChannelPolicy(policyConfigSchema.parse({ services: { 'risk-engine': ['risk:*'] } }));
const user = (id: string, roles: string[], account?: string): Principal => ({
  kind: 'user',
  id,
  roles,
  ...(account ? { account } : {}),
  expiresAt: null,
  via: 'jwt',
});
const allowed = (p: Principal, c: string) => policy.canSubscribe(p, c).ok;

describe('default channel policy', () => {
  const alice = user('u-alice', ['trader'], 'ACC-ALICE');

  it('lets a trader see markets, system and only their own user and account channels', () => {
    expect(allowed(alice, 'market:AAPL')).toBe(true);
    expect(allowed(alice, 'system')).toBe(true);
    expect(allowed(alice, 'orders:ACC-ALICE')).toBe(true);
    expect(allowed(alice, 'orders:u-alice')).toBe(true);
    expect(allowed(alice, 'portfolio:u-alice')).toBe(true);
    expect(allowed(alice, 'notifications:u-alice')).toBe(true);
    expect(allowed(alice, 'risk:ACC-ALICE')).toBe(true);
    for (const c of [
      'orders:ACC-BOB',
      'orders:u-bob',
      'portfolio:u-bob',
      'notifications:u-bob',
      'risk:ACC-BOB',
      'agents:a-1',
    ]) {
      expect(allowed(alice, c), c).toBe(false);
    }
  });

  it('gives {account} channels only to principals with an account claim', () => {
    const noAccount = user('u-x', ['trader']);
    expect(allowed(noAccount, 'risk:undefined')).toBe(false);
    expect(allowed(noAccount, 'orders:u-x')).toBe(true);
  });

  it('lets a risk manager see all risk and markets, but no orders', () => {
    const rm = user('u-rm', ['risk-manager']);
    expect(allowed(rm, 'risk:ACC-ANY')).toBe(true);
    expect(allowed(rm, 'market:MSFT')).toBe(true);
    expect(allowed(rm, 'system')).toBe(true);
    expect(allowed(rm, 'orders:ACC-ANY')).toBe(false);
  });

  it('lets an admin see everything and use the admin API', () => {
    const admin = user('u-root', ['admin']);
    for (const c of ['orders:ACC-1', 'agents:a', 'notifications:u-2', 'system'])
      expect(allowed(admin, c)).toBe(true);
    expect(policy.isAdmin(admin)).toBe(true);
    expect(policy.isAdmin(alice)).toBe(false);
  });

  it('gives services their configured channels', () => {
    const svc: Principal = {
      kind: 'service',
      id: 'risk-engine',
      roles: ['service'],
      expiresAt: null,
      via: 'api-key:k1',
    };
    expect(allowed(svc, 'risk:ACC-1')).toBe(true);
    expect(allowed(svc, 'market:AAPL')).toBe(false);
    const unknownSvc: Principal = { ...svc, id: 'pricing' };
    expect(allowed(unknownSvc, 'risk:ACC-1')).toBe(false);
  });

  it('explains a refusal and refuses malformed channels', () => {
    expect(policy.canSubscribe(alice, 'orders:ACC-BOB')).toEqual({
      ok: false,
      reason: "role(s) trader may not subscribe to 'orders:ACC-BOB'",
    });
    expect(policy.canSubscribe(user('u', []), 'system')).toEqual({
      ok: false,
      reason: "a principal without roles may not subscribe to 'system'",
    });
    expect(policy.canSubscribe(alice, 'market:')).toMatchObject({ ok: false });
  });

  it('validates patterns in configuration', () => {
    expect(policyConfigSchema.safeParse({ roles: { x: ['orders:{other}'] } }).success).toBe(false);
    expect(policyConfigSchema.safeParse({ roles: { x: ['topic:*'] } }).success).toBe(false);
    expect(
      policyConfigSchema.safeParse({ roles: { x: ['orders:*', 'system', '*', 'risk:ACC-1'] } }).success,
    ).toBe(true);
  });
});
