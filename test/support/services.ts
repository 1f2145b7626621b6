// Integration-test fixtures: connection settings for the real services that scripts/test.mjs
// (or `scripts/services/services.sh up`) started, and names unique to each test so tests sharing
// one broker never see each other's topics, groups or subjects.

import { randomBytes } from 'node:crypto';
import { type ConnectionConfig, connectionConfigFromEnv } from '../../core/config.js';

const DEFAULTS = {
  TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
  TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
  TMBUS_REDIS_URL: 'redis://127.0.0.1:16379',
};

/** Connection settings from the environment, falling back to the services script's defaults. */
export function servicesConfig(): ConnectionConfig {
  return connectionConfigFromEnv({ ...DEFAULTS, ...process.env });
}

/** A name no other test uses: `<prefix>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
