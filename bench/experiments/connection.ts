// The connection the experiments use: the services' environment when set (`services.sh env`),
// otherwise the ports `scripts/services/services.sh up` uses by default. No Redis.

import { type ConnectionConfig, connectionConfigFromEnv } from '../../core/config.js';

export function experimentConnection(): ConnectionConfig {
  return connectionConfigFromEnv({
    TMBUS_KAFKA_BROKERS: '127.0.0.1:19092',
    TMBUS_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7',
    ...process.env,
    TMBUS_REDIS_URL: undefined,
  });
}
