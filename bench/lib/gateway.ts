// The gateway row of the report. The Socket.IO load benchmark is another engineer's script
// (bench/gateway-load.mjs, with its server and client processes beside it); this module only runs
// it, when it exists, with a modest connection count, and reads the JSON it prints last.
// Without it the row says "not measured" — never a made-up figure.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, drain, terminate, track } from './processes.js';
import type { GatewayReport } from './report.js';

const CANDIDATES = ['gateway-load.mjs', 'gateway-load.ts'];

export async function runGateway(o: {
  quick: boolean;
  env: NodeJS.ProcessEnv;
  log: (s: string) => void;
}): Promise<GatewayReport> {
  const script = CANDIDATES.map((f) => join(BENCH_DIR, f)).find((f) => existsSync(f));
  if (!script)
    return {
      measured: false,
      reason: 'bench/gateway-load.mjs does not exist yet (owned by the gateway engineer)',
    };
  const connections = o.quick ? 1_000 : 10_000;
  const args = [
    '--import',
    'tsx',
    script,
    '--connections',
    String(connections),
    ...(o.quick ? ['--quick'] : []),
    '--json',
  ];
  const command = `node ${args.slice(2).join(' ').replace(BENCH_DIR, 'bench')}`;
  const child = track(process.execPath, args, { env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = drain(child, 'gateway');
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => void terminate(child, 5000), (o.quick ? 4 : 12) * 60_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const json = output()
    .split('\n')
    .reverse()
    .find((l) => l.trim().startsWith('{'));
  if (code !== 0 || !json)
    return { measured: false, reason: `${command} exited ${code} without a JSON result` };
  const raw = JSON.parse(json) as Record<string, unknown>;
  const num = (...keys: string[]) => {
    for (const k of keys) if (typeof raw[k] === 'number') return raw[k] as number;
    return undefined;
  };
  return {
    measured: true,
    connections: num('connections', 'connected') ?? connections,
    deliveriesPerMinute: num('deliveriesPerMinute', 'messagesPerMinute'),
    p50Ms: num('p50Ms', 'p50'),
    p99Ms: num('p99Ms', 'p99'),
    heapMiB: num('heapMiB', 'maxHeapMiB'),
    rssMiB: num('rssMiB', 'maxRssMiB'),
    command,
    raw,
  };
}
