import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../../cli/app-config.js';
import { ConfigError } from '../../../core/errors.js';

const env = {
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
};

describe('tmbus configuration', () => {
  it('applies defaults, then the file, then the environment', () => {
    expect(loadAppConfig(undefined, env).runtime).toMatchObject({
      guarantee: 'at_least_once',
      commitIntervalMs: 100,
      opsPort: 9464,
    });
    const dir = mkdtempSync(join(tmpdir(), 'tmbus-'));
    const file = join(dir, 'tmbus.json');
    writeFileSync(
      file,
      JSON.stringify({
        kafka: { brokers: 'file:9092', librdkafka: { 'fetch.wait.max.ms': 5 } },
        runtime: { guarantee: 'exactly_once', opsPort: 1 },
      }),
    );
    const c = loadAppConfig(file, { ...env, TMBUS_OPS_PORT: '9999' });
    expect(c.kafka.brokers).toBe('127.0.0.1:19092');
    expect(c.kafka.librdkafka).toEqual({ 'fetch.wait.max.ms': 5 });
    expect(c.runtime.guarantee).toBe('exactly_once');
    expect(c.runtime.opsPort).toBe(9999);
  });

  it('refuses an unknown guarantee, naming the key and the accepted values', () => {
    const e = (() => {
      try {
        loadAppConfig(undefined, { ...env, TMBUS_GUARANTEE: 'maybe_once' });
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toContain('runtime.guarantee');
    expect((e as ConfigError).message).toContain('"at_least_once", "exactly_once"');
  });

  it('refuses an unreadable file with its path', () => {
    expect(() => loadAppConfig('/nonexistent/tmbus.json', env)).toThrow(
      /cannot read configuration file '\/nonexistent\/tmbus.json'/,
    );
  });
});
