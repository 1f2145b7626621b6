import { defineConfig } from 'vitest/config';

// Three projects: `unit` runs in seconds with no services (topology test driver, serdes, operators,
// type-level tests); `integration` runs against the real Kafka, registry and Redis that
// `scripts/services/services.sh up` starts (scripts/test.mjs does that first) and shares one broker,
// so its files run one at a time; `per-record` runs the Kafka client and runtime files again, as a
// group of its own (never beside the integration files), with the native batch addon turned off
// (TMBUS_NATIVE_BATCH=0): the path a machine where the addon did not build takes, node-rdkafka's
// per-record calls.
/** The projects that run against the real services: one broker, so one file at a time. */
const againstServices = {
  environment: 'node',
  testTimeout: 120_000,
  hookTimeout: 180_000,
  fileParallelism: false,
  // One retry for tests against live services on a shared 2-core machine (a registry or broker
  // answer stalled by load); a broken feature still fails both attempts.
  retry: 1,
  pool: 'forks',
} as const;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          ...againstServices,
        },
      },
      {
        test: {
          name: 'per-record',
          include: [
            'test/integration/runtime/kafka-clients.test.ts',
            'test/integration/runtime/native-batch.test.ts',
            'test/integration/runtime/binary-headers.test.ts',
            'test/integration/runtime/streams-runtime.test.ts',
            'test/integration/runtime/publish-subscribe.test.ts',
          ],
          env: { TMBUS_NATIVE_BATCH: '0' },
          ...againstServices,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
