#!/usr/bin/env node
// Builds the bus's native batch addon (native/: produce and consume a batch per node-rdkafka
// crossing) against the node-rdkafka that `npm ci` just built. Run by npm at install (the root
// `install` script) and by `npm run build:native`; node-gyp is npm's own (on PATH in npm scripts).
//
// A failed build does not fail the install: the runtime then uses node-rdkafka's per-record calls
// (runtime/kafka/native-batch.ts says which path is in use), and the unit test that checks the
// addon fails, so CI notices. TMBUS_SKIP_NATIVE=1 skips the build.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const native = join(root, 'native');
let rdkafka;
try {
  rdkafka = join(
    dirname(createRequire(join(root, 'package.json')).resolve('node-rdkafka/package.json')),
    'build/deps/librdkafka.so.1',
  );
} catch {
  rdkafka = 'node-rdkafka';
}

if (process.env.TMBUS_SKIP_NATIVE === '1') {
  console.error('build-native: skipped (TMBUS_SKIP_NATIVE=1)');
  process.exit(0);
}
if (!existsSync(rdkafka)) {
  console.error(
    `build-native: skipped: ${rdkafka} is missing (node-rdkafka not built with its bundled librdkafka)`,
  );
  process.exit(0);
}
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp
  ? [process.execPath, [gyp, 'rebuild', '--loglevel=warn']]
  : ['node-gyp', ['rebuild', '--loglevel=warn']];
const r = spawnSync(cmd, args, { cwd: native, stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) {
  console.error(
    `build-native: the native batch addon did not build (${r.error?.message ?? `exit ${r.status}`}); ` +
      'the bus falls back to node-rdkafka per-record calls',
  );
  process.exit(0);
}
console.error('build-native: native/build/Release/tmbus_kafka.node built');
