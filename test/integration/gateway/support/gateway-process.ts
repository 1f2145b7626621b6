// A gateway instance in its own process, for tests that kill one abruptly (SIGKILL: no close, no
// commit, no goodbye to Redis or Kafka). Configuration comes as JSON in GATEWAY_CONFIG; the process
// prints `READY <url>` once listening and `PARTITIONS <n>` whenever its lane assignment changes.
// Run with `node --import tsx`.

import { createGateway } from '../../../../gateway/gateway.js';

const config = JSON.parse(process.env.GATEWAY_CONFIG ?? '{}');
const gateway = await createGateway(config);
const { url } = await gateway.listen();
process.stdout.write(`READY ${url}\n`);

let last = -1;
setInterval(() => {
  const n = gateway.lanePartitions().length;
  if (n !== last) {
    last = n;
    process.stdout.write(`PARTITIONS ${n}\n`);
  }
}, 100);

process.on('SIGTERM', () => {
  void gateway.close().then(() => process.exit(0));
});
