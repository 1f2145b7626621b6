// The gateway row of the report. The Socket.IO load benchmark is the gateway engineer's script
// (bench/gateway-load.mjs, with its server and client processes beside it); this module only runs
// it — 1,000 connections for 10 s in quick mode, its defaults (10,000 connections, 30 s) in full
// mode — and reads the JSON report it prints on stdout. Without the script, or when it fails, the
// row says "not measured": never a made-up figure.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, terminate, track } from './processes.js';
import type { GatewayReport } from './report-model.js';

const SCRIPT = join(BENCH_DIR, 'gateway-load.mjs');

/** The last top-level JSON object printed on stdout (pretty-printed over several lines or not). */
export function lastJsonObject(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n');
  for (let start = lines.length - 1; start >= 0; start--) {
    if (!lines[start]!.startsWith('{')) continue;
    for (let end = lines.length; end > start; end--) {
      try {
        const value: unknown = JSON.parse(lines.slice(start, end).join('\n'));
        if (value && typeof value === 'object' && !Array.isArray(value))
          return value as Record<string, unknown>;
      } catch {
        // not a complete object yet: try a shorter slice
      }
    }
  }
  return undefined;
}

/** "123 MB" → 123 */
function megabytes(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
  return Number.isFinite(n) ? n : undefined;
}

/** Maps the gateway-load report (see bench/gateway-load.mjs) onto the report's gateway row. */
export function gatewayFigures(raw: Record<string, unknown>, command: string): GatewayReport {
  const get = (path: string): unknown =>
    path
      .split('.')
      .reduce<unknown>(
        (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
        raw,
      );
  const num = (path: string) => {
    const v = get(path);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  return {
    measured: true,
    connections: num('connections.open') ?? num('connections.requested') ?? 0,
    deliveriesPerMinute: num('deliveries.perMinute'),
    p50Ms: num('latencyMs.p50'),
    p99Ms: num('latencyMs.p99'),
    heapMiB: megabytes(get('gatewayHeap.peakDuringLoad')),
    rssMiB: megabytes(get('gatewayHeap.peakRss')),
    command,
    raw,
  };
}

export async function runGateway(o: {
  quick: boolean;
  env: NodeJS.ProcessEnv;
  log: (s: string) => void;
}): Promise<GatewayReport> {
  if (!existsSync(SCRIPT))
    return {
      measured: false,
      reason: 'bench/gateway-load.mjs does not exist (owned by the gateway engineer)',
    };
  const scriptArgs = o.quick ? ['--connections', '1000', '--duration', '10'] : [];
  const command = ['node --import tsx bench/gateway-load.mjs', ...scriptArgs].join(' ');
  o.log(`bench: gateway — ${command}…`);
  const child = track(process.execPath, ['--import', 'tsx', SCRIPT, ...scriptArgs], {
    env: o.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d));
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d).slice(-8192);
    if (process.env.BENCH_VERBOSE === '1') process.stderr.write(d);
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => void terminate(child, 10_000), (o.quick ? 4 : 12) * 60_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const raw = lastJsonObject(stdout);
  if (code !== 0 || !raw) {
    const why = stderr.trim().split('\n').at(-1) ?? '';
    return {
      measured: false,
      reason: `\`${command}\` exited ${code} without a JSON report (${why.slice(0, 160)})`,
    };
  }
  return gatewayFigures(raw, command);
}
