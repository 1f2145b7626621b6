// Consumer-group lag against the real broker: N records produced per partition, M committed by a
// real group member, lag N−M per partition — through the function the metrics code reuses and
// through `tmbus lag` (table, JSON, --fail-above).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusConsumer } from '../../../runtime/kafka/consumer.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { consumerGroupLag } from '../../../runtime/ops/lag.js';
import { produceAll, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';
import { cliEnv, runCli } from './support/run-cli.js';

const connection = servicesConfig();
const topics = new TopicManager(connection);
const topic = uniqueName('ops-lag');
const other = uniqueName('ops-lag-other');
const group = uniqueName('ops-lag-group');
const PRODUCED = [50, 30, 20];
const COMMITTED = [10, 30, 5];

beforeAll(async () => {
  await topics.ensure([
    { name: topic, partitions: 3 },
    { name: other, partitions: 1 },
  ]);
  await produceAll(
    connection,
    PRODUCED.flatMap((n, partition) =>
      Array.from({ length: n }, (_, i) => ({ topic, partition, key: `k${i}`, value: `p${partition}-${i}` })),
    ),
  );
  await produceAll(connection, [{ topic: other, key: 'x', value: 'never read by the group' }]);
  // A real member reads everything, then commits M per partition and leaves.
  let read = 0;
  const member = new BusConsumer({
    connection,
    groupId: group,
    topics: [topic],
    onBatch: (messages) => {
      read += messages.length;
    },
  });
  await member.connect();
  member.start();
  await waitFor(() => read >= 100, 60_000, 'the member to read the topic');
  member.commit(
    COMMITTED.map((offset, partition) => ({ topic, partition, offset })),
    true,
  );
  await member.close();
});

afterAll(async () => {
  await topics.delete([topic, other]);
});

describe('consumerGroupLag', () => {
  it('reports committed, high watermark and lag = N − M per partition, and the total', async () => {
    const lag = await consumerGroupLag(connection, group, [topic]);
    expect(lag.partitions).toEqual(
      PRODUCED.map((n, partition) => ({
        topic,
        partition,
        committed: COMMITTED[partition],
        highWatermark: n,
        lag: n - COMMITTED[partition]!,
      })),
    );
    expect(lag.totalLag).toBe(40 + 0 + 15);
    expect(lag.topics).toEqual({ [topic]: 55 });
  });

  it('without topics, lists only the partitions the group committed on', async () => {
    const lag = await consumerGroupLag(connection, group);
    expect(new Set(lag.partitions.map((p) => p.topic))).toEqual(new Set([topic]));
    expect(lag.totalLag).toBe(55);
  });

  it('shows a partition without a commit as unknown lag, not zero', async () => {
    const lag = await consumerGroupLag(connection, group, [other]);
    expect(lag.partitions).toEqual([
      { topic: other, partition: 0, committed: null, highWatermark: 1, lag: null },
    ]);
    expect(lag.totalLag).toBe(0);
  });
});

describe('tmbus lag', () => {
  const env = cliEnv(connection);

  it('prints a table with a total, and JSON', async () => {
    const table = await runCli(['lag', '--group', group, '--topic', topic], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/TOPIC\s+PARTITION\s+COMMITTED\s+HIGH-WATERMARK\s+LAG/);
    expect(table.stdout).toMatch(new RegExp(`^${topic}\\s+0\\s+10\\s+50\\s+40$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${topic}\\s+2\\s+5\\s+20\\s+15$`, 'm'));
    expect(table.stdout).toMatch(/^TOTAL\s+55$/m);

    const json = await runCli(['lag', '--group', group, '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ groupId: group, totalLag: 55 });
  });

  it('--fail-above exits 1 when the total lag is above the threshold', async () => {
    expect((await runCli(['lag', '--group', group, '--fail-above', '55'], env)).code).toBe(0);
    const over = await runCli(['lag', '--group', group, '--fail-above', '54'], env);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/total lag 55 is above 54/);
  });

  it('names a topic that does not exist', async () => {
    const missing = await runCli(['lag', '--group', group, '--topic', 'no-such-topic-ops'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/topic\(s\) not found: no-such-topic-ops/);
  });
});
