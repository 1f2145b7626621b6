import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { parseGatewayConfig } from '../../../gateway/config.js';

const base = {
  connection: {
    kafka: { brokers: 'kafka:9092' },
    registry: { url: 'http://registry:8081/apis/ccompat/v7' },
    redis: { url: 'redis://redis:6379' },
  },
  auth: { jwt: { secret: 'a-secret-of-at-least-thirty-two-chars!', issuer: 'https://idp', audience: 'gw' } },
};

describe('gateway configuration', () => {
  it('fills in documented defaults', () => {
    const c = parseGatewayConfig(base);
    expect(c.server).toMatchObject({
      transports: ['websocket'],
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
      maxHttpBufferSize: 65_536,
    });
    expect(c.lanes.topics).toEqual({
      CRITICAL: 'tm.lane.critical',
      HIGH: 'tm.lane.high',
      STANDARD: 'tm.lane.standard',
      BACKGROUND: 'tm.lane.background',
    });
    expect(c.lanes).toMatchObject({ groupId: 'tmbus-gateway', startFrom: 'latest' });
    expect(c.authorization.roles.trader).toContain('orders:{sub}');
    expect(c.authorization.adminRoles).toEqual(['admin']);
    expect(c.slowClients).toEqual({
      maxBufferedPackets: 1000,
      conflateMarketData: true,
      conflateAfterMs: 50,
    });
    expect(c.auth.jwt?.algorithms).toEqual(['HS256', 'RS256', 'ES256']);
  });

  it('refuses a gateway without Redis, naming the key', () => {
    const { redis: _r, ...connection } = base.connection;
    const err = (() => {
      try {
        parseGatewayConfig({ ...base, connection });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).context.configKey).toBe('connection.redis');
  });

  it('refuses a gateway with no way to authenticate', () => {
    expect(() => parseGatewayConfig({ ...base, auth: {} })).toThrow(/auth.jwt or at least one auth.apiKeys/);
  });

  it('names the offending key and the accepted values', () => {
    expect(() => parseGatewayConfig({ ...base, server: { transports: ['carrier-pigeon'] } })).toThrow(
      /server\.transports\.0: .*\(accepted: "websocket", "polling"\)/,
    );
    expect(() => parseGatewayConfig({ ...base, server: { pingIntervalMs: 5 } })).toThrow(
      /server\.pingIntervalMs/,
    );
    expect(() =>
      parseGatewayConfig({ ...base, auth: { apiKeys: [{ id: 'k', sha256: 'nothex', service: 's' }] } }),
    ).toThrow(/sha256/);
  });

  it('validates channel route overrides against the catalog', () => {
    expect(() =>
      parseGatewayConfig({ ...base, channels: { routes: { Bogus: [{ kind: 'system', key: null }] } } }),
    ).toThrow(/channel route/);
    expect(() =>
      parseGatewayConfig({
        ...base,
        channels: { routes: { OrderEvent: [{ kind: 'orders', key: ['payload.userId'] }] } },
      }),
    ).not.toThrow();
  });
});
