// Re-renders a stored result as Markdown (e.g. after changing the report, or to restore
// results/latest.md from an earlier run): node --import tsx bench/render.ts bench/results/bench-<time>.json

import { readFileSync } from 'node:fs';
import { renderReport } from './lib/report.js';
import type { BenchReport } from './lib/report-model.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: node --import tsx bench/render.ts <bench/results/bench-<time>.json>');
  process.exit(2);
}
console.log(renderReport(JSON.parse(readFileSync(file, 'utf8')) as BenchReport));
