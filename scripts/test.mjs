#!/usr/bin/env node
// `npm test`: brings the real services up (Kafka, Apicurio Registry, Redis — idempotent), points the
// tests at them through TMBUS_* variables, runs every vitest project, and ends with the plain
// `N passed, N failed` line CI reads. Extra arguments go to vitest (`npm test -- --project unit`).
// TMBUS_SKIP_SERVICES=1 skips starting services (unit tests only need none). The fault tests (a
// 3-node cluster with a broker SIGKILLed, a runtime SIGKILLed under exactly-once; ~4 minutes) run
// too; TMBUS_FAULT_TESTS=0 leaves them out.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const services = join(root, 'scripts/services/services.sh');
const args = process.argv.slice(2);
const unitOnly = args.includes('--project') && args[args.indexOf('--project') + 1] === 'unit';

if (!process.env.TMBUS_SKIP_SERVICES && !unitOnly) {
  const up = spawnSync(services, ['up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (up.status !== 0) {
    console.error('npm test: the services did not come up; see the log named above.');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  // services.sh env prints KEY=VALUE pairs for the ports it used.
  const line = execFileSync(services, ['env'], { encoding: 'utf8' }).trim();
  for (const pair of line.split(/\s+/)) {
    const [key, ...rest] = pair.split('=');
    if (key && !process.env[key]) process.env[key] = rest.join('=');
  }
}

process.env.TMBUS_FAULT_TESTS ??= unitOnly ? '0' : '1';

const outDir = join(root, 'test-results');
mkdirSync(outDir, { recursive: true });
const report = join(outDir, 'vitest.json');
const vitest = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...args,
  ],
  { stdio: 'inherit', cwd: root, env: process.env },
);

let summary = 'could not read the vitest report';
try {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const failedSuites = (r.testResults ?? []).filter(
    (s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0,
  ).length;
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  summary = `${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed${skipped ? `, ${skipped} skipped` : ''}`;
} catch {
  summary = `0 passed, 1 failed`;
}
console.log(summary);
process.exit(vitest.status ?? 1);
