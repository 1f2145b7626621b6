import { describe, expect, it } from 'vitest';
import { connectionConfigFromEnv } from '../../../core/config.js';
import {
  BusError,
  ConfigError,
  ERROR_CODES,
  isBusError,
  SerdeError,
  TopologyError,
} from '../../../core/errors.js';

describe('errors', () => {
  it('carries code, retriable flag, cause and context, and names the location in the message', () => {
    const cause = new Error('boom');
    const e = new SerdeError('SERDE_MAGIC_BYTE', 'bad magic byte 0x7b', {
      cause,
      context: { topic: 'tm.orders', partition: 2, offset: 41, stage: 'KSTREAM-SOURCE-0000000000' },
    });
    expect(e).toBeInstanceOf(BusError);
    expect(isBusError(e)).toBe(true);
    expect(e.name).toBe('SerdeError');
    expect(e.code).toBe('SERDE_MAGIC_BYTE');
    expect(e.retriable).toBe(false);
    expect(e.cause).toBe(cause);
    expect(e.message).toBe('bad magic byte 0x7b (stage KSTREAM-SOURCE-0000000000, topic tm.orders[2]@41)');
    expect(e.toJSON()).toMatchObject({ code: 'SERDE_MAGIC_BYTE', cause: 'boom', context: { partition: 2 } });
  });

  it('has fixed codes for build-time and configuration errors', () => {
    expect(new TopologyError('x').code).toBe('TOPOLOGY_INVALID');
    expect(new ConfigError('x').code).toBe('CONFIG_INVALID');
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(isBusError(new Error('plain'))).toBe(false);
  });
});

describe('connection configuration', () => {
  it('reads the TMBUS_* environment', () => {
    const c = connectionConfigFromEnv({
      TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
      TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
      TMBUS_REDIS_URL: 'redis://127.0.0.1:16379',
    });
    expect(c.kafka).toEqual({ brokers: '127.0.0.1:19092', clientId: 'tmbus', librdkafka: {} });
    expect(c.redis?.url).toBe('redis://127.0.0.1:16379');
  });

  it('refuses missing and malformed keys, naming each one', () => {
    let err: unknown;
    try {
      connectionConfigFromEnv({ TMBUS_REGISTRY_URL: 'not a url', TMBUS_REDIS_URL: 'http://x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as ConfigError).message;
    expect(message).toContain('kafka.brokers');
    expect(message).toContain('registry.url');
    expect(message).toContain('redis.url: must start with redis:// or rediss://');
    expect((err as ConfigError).context.configKey).toBe('kafka.brokers');
  });
});
