// `tmbus gateway` fails closed: the configuration it builds from TMBUS_JWT_* / --config refuses a
// start without JWT settings, with a published placeholder secret or a short one, unless --dev.
// (test/integration/gateway/cli-fail-closed.test.ts runs the built command itself.)

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayConfigFrom } from '../../../cli/gateway.js';
import { DEV_JWT } from '../../../cli/token.js';
import { ConfigError } from '../../../core/errors.js';
import { PUBLISHED_JWT_SECRETS, weakJwtSecret } from '../../../gateway/auth/authConfig.js';

const base = {
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081',
  TMBUS_REDIS_URL: 'redis://127.0.0.1:16379',
};
const GOOD = 'k3Jq9V0xTQ2mB7wLzR8cYp4sNf6HdA1u';
const idp = { TMBUS_JWT_ISSUER: 'https://idp.test', TMBUS_JWT_AUDIENCE: 'gw' };

describe('tmbus gateway JWT settings', () => {
  it('refuses to start without any, naming the settings to give', () => {
    const start = () => gatewayConfigFrom({}, base);
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(
      /TMBUS_JWT_SECRET.*TMBUS_JWT_JWKS_URL.*TMBUS_JWT_ISSUER.*TMBUS_JWT_AUDIENCE.*--dev/s,
    );
  });

  it('uses the development secret only under --dev', () => {
    const config = gatewayConfigFrom({ dev: true }, base);
    expect(config.auth.jwt).toMatchObject({ secret: DEV_JWT.secret, issuer: DEV_JWT.issuer });
  });

  it('refuses published placeholders and short secrets outside --dev', () => {
    for (const secret of [secretOfDeployExample(), DEV_JWT.secret, 'short-secret-of-20-b'])
      expect(() => gatewayConfigFrom({}, { ...base, ...idp, TMBUS_JWT_SECRET: secret })).toThrow(
        /TMBUS_JWT_SECRET (is a published placeholder|has \d+ bytes)/,
      );
    expect(() =>
      gatewayConfigFrom({ dev: true }, { ...base, TMBUS_JWT_SECRET: DEV_JWT.secret }),
    ).not.toThrow();
  });

  it('needs the issuer and audience with a real secret, and takes a JWKS URL', () => {
    expect(() => gatewayConfigFrom({}, { ...base, TMBUS_JWT_SECRET: GOOD })).toThrow(
      /TMBUS_JWT_ISSUER and TMBUS_JWT_AUDIENCE must be set/,
    );
    expect(gatewayConfigFrom({}, { ...base, ...idp, TMBUS_JWT_SECRET: GOOD }).auth.jwt).toMatchObject({
      algorithms: ['HS256'],
      secret: GOOD,
      issuer: 'https://idp.test',
      audience: 'gw',
    });
    const jwks = gatewayConfigFrom({}, { ...base, ...idp, TMBUS_JWT_JWKS_URL: 'https://idp.test/jwks' });
    expect(jwks.auth.jwt).toMatchObject({ jwksUrl: 'https://idp.test/jwks' });
    expect(jwks.auth.jwt?.secret).toBeUndefined();
  });

  it('checks a secret given in the --config file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmbus-gw-'));
    const config = join(dir, 'gateway.json');
    const auth = (secret: string) => ({ auth: { jwt: { secret, issuer: 'i', audience: 'a' } } });
    writeFileSync(config, JSON.stringify(auth(secretOfDeployExample())));
    expect(() => gatewayConfigFrom({ config }, base)).toThrow(/auth\.jwt\.secret is a published placeholder/);
    writeFileSync(config, JSON.stringify(auth(GOOD)));
    expect(gatewayConfigFrom({ config }, base).auth.jwt?.secret).toBe(GOOD);
    expect(PUBLISHED_JWT_SECRETS).toContain(DEV_JWT.secret);
    expect(weakJwtSecret(GOOD)).toBeUndefined();
    expect(weakJwtSecret('x'.repeat(48))).toMatch(/placeholder/);
  });
});

/** The TMBUS_JWT_SECRET value of the deploy example, as an operator copying it would deploy it. */
function secretOfDeployExample(): string {
  const file = join(import.meta.dirname, '../../../deploy/kubernetes/secret.example.yaml');
  const m = /TMBUS_JWT_SECRET:\s*"([^"]+)"/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error('secret.example.yaml has no TMBUS_JWT_SECRET value');
  return m[1]!;
}
