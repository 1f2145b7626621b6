// The system under test on our side: the TradeMaster runtime running the bench topology
// (bench/runtime/topology.ts) in its own process, so the load generator and the probe never share
// its event loop. Prints READY once it owns partitions; SIGTERM stops it gracefully (drain, commit,
// close), which also lets `--cpu-prof` write its profile.
//
// env: RUN, GUARANTEE (at_least_once | exactly_once), INSTANCE, TMBUS_* connection variables.

import { connectionConfigFromEnv } from '../../core/config.js';
import { type ProcessingGuarantee, StreamsRuntime } from '../../runtime/engine/streams-runtime.js';
import { HttpSchemaRegistry } from '../../schemas/index.js';
import { benchTopology } from '../runtime/topology.js';

const run = process.env.RUN!;
const guarantee = (process.env.GUARANTEE ?? 'at_least_once') as ProcessingGuarantee;
const connection = connectionConfigFromEnv({ ...process.env, TMBUS_REDIS_URL: undefined });
const registry = new HttpSchemaRegistry({ url: connection.registry.url });

const plan = await benchTopology(run, registry);
const runtime = new StreamsRuntime({
  connection,
  plan,
  guarantee,
  commitIntervalMs: 100,
  // One per process when several run in the group (exactly-once fences by it).
  instanceId: process.env.INSTANCE ?? 'bench-0',
});
runtime.onFailed((e) => {
  process.stdout.write(`FAILED ${String(e)}\n`);
  process.exit(1);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await runtime.stop();
  process.stdout.write(`STOPPED ${JSON.stringify(runtime.stats)}\n`);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

await runtime.start();
while (!runtime.ready) await new Promise((r) => setTimeout(r, 20));
process.stdout.write(`READY ${JSON.stringify({ internalTopics: plan.internalTopics.map((t) => t.name) })}\n`);
