// `tmbus state`: the state stores of a running instance — entries per store of each task, and what
// its last restore cost (changelog records applied, seconds, records/s) — read from the instance's
// /metrics (the `tmbus_store_*` gauges), so it works against `tmbus run` and a `--workers`
// supervisor alike without touching the state directory the instance holds open.

import { Command } from 'commander';
import { ConfigError } from '../core/errors.js';
import { table } from './replay.js';

export interface StoreRow {
  application: string;
  task: string;
  store: string;
  entries: number;
  restoredRecords: number;
  restoreSeconds: number;
  restoreRecordsPerSecond: number;
}

const FIELDS = {
  tmbus_store_entries: 'entries',
  tmbus_store_restore_records: 'restoredRecords',
  tmbus_store_restore_seconds: 'restoreSeconds',
  tmbus_store_restore_records_per_second: 'restoreRecordsPerSecond',
} as const;

/** The store rows of a Prometheus text exposition (the `tmbus_store_*` gauges). */
export function parseStoreMetrics(text: string): StoreRow[] {
  const rows = new Map<string, StoreRow>();
  for (const line of text.split('\n')) {
    const m = /^(tmbus_store_[a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const field = FIELDS[m[1] as keyof typeof FIELDS];
    if (!field) continue;
    const labels = Object.fromEntries(
      [...m[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    const id = `${labels.application}\0${labels.task}\0${labels.store}`;
    const row = rows.get(id) ?? {
      application: labels.application ?? '',
      task: labels.task ?? '',
      store: labels.store ?? '',
      entries: 0,
      restoredRecords: 0,
      restoreSeconds: 0,
      restoreRecordsPerSecond: 0,
    };
    row[field] = Number(m[3]);
    rows.set(id, row);
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.application.localeCompare(b.application) ||
      a.task.localeCompare(b.task) ||
      a.store.localeCompare(b.store),
  );
}

export function formatStores(rows: readonly StoreRow[]): string {
  if (rows.length === 0) return 'no state stores (the instance owns no stateful task yet)\n';
  return table(
    ['application', 'task', 'store', 'entries', 'last restore: records', 'seconds', 'records/s'],
    rows.map((r) => [
      r.application,
      r.task,
      r.store,
      r.entries,
      r.restoredRecords,
      r.restoreSeconds.toFixed(3),
      Math.round(r.restoreRecordsPerSecond),
    ]),
  );
}

/**
 * The `state` command.
 * @example
 * // tmbus state --ops http://orders-0:9464
 */
export function stateCommand(): Command {
  return new Command('state')
    .description(
      "print a running instance's state stores: entries, and the last restore's records, time and rate",
    )
    .option(
      '--ops <url>',
      'the instance ops endpoint (tmbus run serves it on runtime.opsPort)',
      'http://127.0.0.1:9464',
    )
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: { ops: string; json?: boolean }, cmd: Command) => {
      let text: string;
      try {
        const res = await fetch(new URL('/metrics', flags.ops));
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        text = await res.text();
      } catch (e) {
        throw new ConfigError(`cannot read ${flags.ops}/metrics: ${(e as Error).message}`, {
          context: { configKey: 'ops' },
        });
      }
      const rows = parseStoreMetrics(text);
      cmd
        .configureOutput()
        .writeOut?.(flags.json ? `${JSON.stringify(rows, null, 2)}\n` : formatStores(rows));
    });
}
