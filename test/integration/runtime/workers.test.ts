// `tmbus run --workers 2`: two supervised processes in one consumer group (like Kafka Streams'
// num.stream.threads) share the partitions, the supervisor's one /metrics sums both, /readyz shows
// each worker's tasks; a worker SIGKILLed is restarted and nothing is lost (at-least-once); SIGTERM
// stops them all and the supervisor exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { produceAll, readTopic, waitFor } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const root = join(import.meta.dirname, '../../..');
const connection = servicesConfig();
const manager = new TopicManager(connection);
const children: ChildProcess[] = [];
const topics: string[] = [];

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await manager.delete(topics).catch(() => undefined);
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

interface Readiness {
  status: string;
  details: {
    workers: Record<string, { pid: number; ready: boolean; tasks: Record<string, string> } | string>;
  };
}

describe('tmbus run --workers 2', () => {
  it('shares the partitions, reports as one, survives a worker crash and stops on SIGTERM', async () => {
    const APP = uniqueName('workers');
    const SOURCE = uniqueName('in');
    const SINK = uniqueName('out');
    topics.push(SOURCE, SINK, `${APP}-counts-changelog`, `${APP}-dlq`);
    await manager.ensure([domainTopic(SOURCE, 4, 1), domainTopic(SINK, 4, 1)]);
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        topic: SOURCE,
        key: `k${(from + i) % 40}`,
        value: `v${from + i}`,
      }));
    await produceAll(connection, batch(0, 10_000));

    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'cli/main.ts'),
        'run',
        join(import.meta.dirname, 'fixtures/counting-module.ts'),
        '--workers',
        '2',
      ],
      {
        env: {
          ...process.env,
          APP,
          SOURCE,
          SINK,
          TMBUS_OPS_PORT: String(port),
          TMBUS_OPS_HOST: '127.0.0.1',
          TMBUS_INSTANCE_ID: APP,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    children.push(child);
    let exit: number | null | undefined;
    child.once('exit', (code) => (exit = code));
    const ops = `http://127.0.0.1:${port}`;
    const readiness = async (): Promise<Readiness | undefined> =>
      fetch(`${ops}/readyz`).then(
        (r) => r.json() as Promise<Readiness>,
        () => undefined,
      );
    const everyValue = (n: number) => {
      const seen = new Set<string>();
      let scanned = 0;
      return (records: readonly { value: Buffer }[]) => {
        for (; scanned < records.length; scanned++)
          seen.add(records[scanned]!.value.toString().split(':')[2]!);
        return seen.size >= n;
      };
    };

    await waitFor(async () => (await readiness())?.status === 'ready', 90_000, 'both workers ready');
    const ready = (await readiness())!;
    const workers = Object.values(ready.details.workers).filter((w) => typeof w === 'object');
    expect(workers).toHaveLength(2);
    const owned = workers.map((w) => Object.keys((w as { tasks: Record<string, string> }).tasks));
    expect(owned.every((tasks) => tasks.length > 0)).toBe(true); // each worker holds partitions
    expect(owned.flat().sort()).toEqual(['0_0', '0_1', '0_2', '0_3']); // and together all, once each

    const first = await readTopic(connection, SINK, 10_000, {
      timeoutMs: 60_000,
      complete: everyValue(10_000),
    });
    expect(new Set(first.map((r) => r.value.toString().split(':')[2])).size).toBe(10_000);
    await waitFor(
      async () => {
        const text = await fetch(`${ops}/metrics`).then((r) => r.text());
        const line = text.split('\n').find((l) => l.startsWith(`tmbus_records_in_total{topic="${SOURCE}"}`));
        return Number(line?.split(' ')[1]) >= 10_000; // both workers' counts, summed
      },
      20_000,
      'the supervisor /metrics to count every input',
    );

    // A worker dies: the supervisor restarts it and the group rebalances; nothing is lost.
    const victim = workers[0] as { pid: number };
    process.kill(victim.pid, 'SIGKILL');
    await produceAll(connection, batch(10_000, 10_000));
    const all = await readTopic(connection, SINK, 20_000, {
      timeoutMs: 120_000,
      complete: everyValue(20_000),
    });
    expect(new Set(all.map((r) => r.value.toString().split(':')[2])).size).toBe(20_000);
    await waitFor(
      async () => {
        const r = await readiness();
        const pids = Object.values(r?.details.workers ?? {}).map((w) => (typeof w === 'object' ? w.pid : 0));
        return r?.status === 'ready' && pids.length === 2 && !pids.includes(victim.pid);
      },
      90_000,
      'the restarted worker to be ready',
    );

    child.kill('SIGTERM');
    await waitFor(() => exit !== undefined, 60_000, 'the supervisor to exit');
    expect(exit).toBe(0);
  }, 300_000);
});
