// The gateway under test, in its own process (forked by bench/gateway-load.mjs with an IPC
// channel): configuration arrives as JSON in GATEWAY_CONFIG; every second the process reports its
// heap, RSS, CPU and counters to the parent. Run through `node --import tsx`.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createGateway } from '../gateway/gateway.js';

// GATEWAY_LOCAL_DELIVERY=socket.io runs Socket.IO's own per-socket broadcast path instead of the
// broadcast scheduler, to compare the two under the same load.
const gateway = await createGateway(JSON.parse(process.env.GATEWAY_CONFIG ?? '{}'), {
  localDelivery: process.env.GATEWAY_LOCAL_DELIVERY === 'socket.io' ? 'socket.io' : 'scheduled',
});
const { url } = await gateway.listen();
const send = (m: unknown) => process.send?.(m);
send({ kind: 'ready', url });

// The histogram records the time between two of its timer ticks, so an idle loop reads about
// `resolution` ms; the delay is what is measured beyond it.
const RESOLUTION_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loopDelay.enable();
let cpu = process.cpuUsage();
let at = Date.now();
const timer = setInterval(() => {
  const mem = process.memoryUsage();
  const used = process.cpuUsage(cpu);
  const now = Date.now();
  // Share of one core used since the last report (user + system).
  const cpuPercent = Math.round(((used.user + used.system) / 1000 / (now - at)) * 100);
  cpu = process.cpuUsage();
  at = now;
  const beyond = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  const delay = {
    p50: beyond(loopDelay.percentile(50)),
    p99: beyond(loopDelay.percentile(99)),
    max: beyond(loopDelay.max),
  };
  loopDelay.reset();
  send({
    kind: 'stats',
    heapUsed: mem.heapUsed,
    rss: mem.rss,
    cpuPercent,
    // Event-loop delay over the last second, ms (beyond the sampling interval): how long work
    // waited for the one thread.
    loopDelayMs: delay,
    partitions: gateway.lanePartitions().length,
    metrics: gateway.metrics.snapshot(),
  });
}, 1000);

process.on('message', (m: { kind?: string }) => {
  if (m?.kind !== 'stop') return;
  clearInterval(timer);
  void gateway.close().then(() => process.exit(0));
});
