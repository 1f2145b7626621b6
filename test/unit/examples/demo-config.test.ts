// The demo's options: explicit options over TMBUS_DEMO_* over defaults, validated at start-up
// with errors that name the offending variable.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { DEFAULT_RATES, resolveDemoConfig } from '../../../examples/demo-config.js';
import { applicationId, demoTopics } from '../../../examples/topics.js';

describe('demo configuration', () => {
  it('defaults to the embedded mode with the catalog topic names', () => {
    const c = resolveDemoConfig({ env: {} });
    expect(c.mode).toBe('embedded');
    expect(c.topics.lanes.CRITICAL).toBe('tm.lane.critical');
    expect(c.topics.domain.OrderEvent).toBe('tm.orders');
    expect(c.rates).toEqual(DEFAULT_RATES);
    expect(c.connection).toBeUndefined();
    expect(c.runtimeInstances).toBe(1);
  });

  it('reads the mode, prefix, speed and instances from TMBUS_DEMO_*, and Kafka from TMBUS_*', () => {
    const c = resolveDemoConfig({
      env: {
        TMBUS_DEMO_MODE: 'kafka',
        TMBUS_DEMO_TOPIC_PREFIX: 'demo-2.',
        TMBUS_DEMO_SPEED: '2',
        TMBUS_DEMO_RUNTIME_INSTANCES: '3',
        TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
        TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
      },
    });
    expect(c.mode).toBe('kafka');
    expect(c.topics.lanes.HIGH).toBe('demo-2.tm.lane.high');
    expect(applicationId(c.topics, 'risk')).toBe('demo-2.tm-risk');
    expect(c.rates.orders).toBe(DEFAULT_RATES.orders * 2);
    expect(c.runtimeInstances).toBe(3);
    expect(c.connection?.kafka.brokers).toBe('127.0.0.1:19092');
    // explicit options win
    expect(resolveDemoConfig({ mode: 'embedded', env: { TMBUS_DEMO_MODE: 'kafka' } }).mode).toBe('embedded');
  });

  it('refuses bad values with the key and the accepted values', () => {
    expect(() => resolveDemoConfig({ env: { TMBUS_DEMO_MODE: 'cloud' } })).toThrow(ConfigError);
    expect(() => resolveDemoConfig({ env: { TMBUS_DEMO_MODE: 'cloud' } })).toThrow(
      /TMBUS_DEMO_MODE.*accepted: "embedded", "kafka"/s,
    );
    expect(() => resolveDemoConfig({ env: { TMBUS_DEMO_RUNTIME_INSTANCES: '0' } })).toThrow(
      /TMBUS_DEMO_RUNTIME_INSTANCES/,
    );
    expect(() => resolveDemoConfig({ mode: 'kafka', env: {} })).toThrow(/TMBUS_KAFKA_BROKERS/);
    expect(() => demoTopics('bad prefix/')).toThrow(/topic prefix/);
  });
});
