import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs in seconds with no services (topology test driver, serdes, operators,
// type-level tests); `integration` runs against the real Kafka, registry and Redis that
// `scripts/services/services.sh up` starts (scripts/test.mjs does that first) and shares one broker,
// so its files run one at a time.
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
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          // One retry for tests against live services on a shared 2-core machine (a registry or
          // broker answer stalled by load); a broken feature still fails both attempts.
          retry: 1,
          pool: 'forks',
        },
      },
    ],
  },
});
