// Memory of the LMDB window store over a long run (issue: durable state): N puts (default
// 10,000,000) of 1-second windows over 10,000 keys, in batches of 10,000 inside one LMDB
// transaction each (as a task's commit interval groups them), with retention: windows older than
// 60 s of stream time are deleted every batch. Prints heap and RSS every million puts and an
// ordered range scan's length, so a leak or a growing scan shows.
//
//   node --import tsx bench/state/soak.ts [--puts 10000000]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import { LmdbStoreProvider } from '../../processors/stores/lmdbStoreProvider.js';

const i = process.argv.indexOf('--puts');
const PUTS = i >= 0 ? Number(process.argv[i + 1]) : 10_000_000;
const KEYS = 10_000;
const BATCH = 10_000;
const PER_MS = 10; // puts per millisecond of stream time: 10,000 per second of windows
const dir = mkdtempSync(join(tmpdir(), 'tmbus-soak-'));
const stores = new LmdbStoreProvider(dir, [
  { name: 'w', kind: 'window', keySerde: jsonSerde(), valueSerde: jsonSerde(), windowSizeMs: 1_000 },
]);
const store = stores.getWindowStore<string, number>('w');
const mib = (n: number) => Math.round(n / 1048576);
const rows: string[] = [
  '| puts | stream time s | entries | heap MiB | RSS MiB | range scan (1 key, 60 s) | s |',
  '|---|---|---|---|---|---|---|',
];
const started = performance.now();
let deleted = 0;
for (let done = 0; done < PUTS; ) {
  stores.transaction(() => {
    for (let b = 0; b < BATCH; b++, done++) {
      const t = Math.floor(done / PER_MS);
      store.put(`k${done % KEYS}`, t - (t % 1_000), done);
    }
  });
  deleted += store.deleteBefore(Math.floor(done / PER_MS) - 60_000);
  if (done % 1_000_000 === 0) {
    global.gc?.();
    const m = process.memoryUsage();
    const t = Math.floor(done / PER_MS);
    const scan = store.fetchRange('k1', t - 60_000, t).length;
    rows.push(
      `| ${done.toLocaleString('en')} | ${t / 1000} | ${store.size.toLocaleString('en')} | ${mib(m.heapUsed)} | ${mib(m.rss)} | ${scan} | ${Math.round((performance.now() - started) / 1000)} |`,
    );
    process.stderr.write(`${rows.at(-1)}\n`);
  }
}
process.stdout.write(`${rows.join('\n')}\n(${deleted.toLocaleString('en')} windows deleted by retention)\n`);
await stores.close();
rmSync(dir, { recursive: true, force: true });
