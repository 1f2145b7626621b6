// The gateway under test, in its own process (forked by bench/gateway-load.mjs with an IPC
// channel): configuration arrives as JSON in GATEWAY_CONFIG; every second the process reports its
// heap, RSS and counters to the parent. Run through `node --import tsx`.

import { createGateway } from '../gateway/gateway.js';

const gateway = await createGateway(JSON.parse(process.env.GATEWAY_CONFIG ?? '{}'));
const { url } = await gateway.listen();
const send = (m: unknown) => process.send?.(m);
send({ kind: 'ready', url });

let partitions = -1;
const timer = setInterval(() => {
  const mem = process.memoryUsage();
  const n = gateway.lanePartitions().length;
  if (n !== partitions) partitions = n;
  send({
    kind: 'stats',
    heapUsed: mem.heapUsed,
    rss: mem.rss,
    partitions,
    metrics: gateway.metrics.snapshot(),
  });
}, 1000);

process.on('message', (m: { kind?: string }) => {
  if (m?.kind !== 'stop') return;
  clearInterval(timer);
  void gateway.close().then(() => process.exit(0));
});
