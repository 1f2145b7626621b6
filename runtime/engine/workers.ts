// Several runtime processes on one machine, like Kafka Streams' `num.stream.threads`: a supervisor
// (node:cluster primary) forks N workers that each run the same topology as a member of the same
// consumer group — processes, not worker_threads, since node-rdkafka is not safe in those. The
// supervisor serves the one /metrics (every worker's registry merged by prom-client's
// AggregatorRegistry) and /readyz (ready when every worker is), restarts a worker that dies (with
// backoff, a bounded number of times per minute, then stops them all and fails), and on SIGTERM
// stops every worker gracefully.

import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from '../../core/logger.js';
import { type OpsServer, startOpsServer } from '../observability/ops-server.js';

/** What a worker reports to its supervisor (IPC). */
interface WorkerStatus {
  tmbus: 'status';
  pid: number;
  ready: boolean;
  tasks: Record<string, string>;
}

export interface SupervisorOptions {
  /** Worker processes (≥ 2; one worker needs no supervisor). */
  workers: number;
  logger: Logger;
  /** Ops endpoint of the supervisor (the workers serve none). */
  opsPort?: number;
  opsHost?: string;
  /** Restarts allowed within a minute before the supervisor gives up. @default 5 */
  maxRestartsPerMinute?: number;
  /** Longest graceful stop of the workers, ms. @default 30000 */
  shutdownTimeoutMs?: number;
}

export interface Supervisor {
  readonly ops: OpsServer;
  /** Resolves with the exit code once every worker is gone (stopped, or restarts exhausted). */
  readonly done: Promise<number>;
  stop(): Promise<number>;
}

/** The index of this process as a worker (0-based), or undefined in a process that is not one. */
export function workerIndex(): number | undefined {
  const v = process.env.TMBUS_WORKER_INDEX;
  return cluster.isWorker && v !== undefined ? Number(v) : undefined;
}

/**
 * In a worker: reports readiness to the supervisor every 500 ms and lets it collect `registry`.
 * @example if (workerIndex() !== undefined) reportToSupervisor(runtime, metricsRegistry)
 */
export function reportToSupervisor(
  runtime: { readonly ready: boolean; taskStatuses(): Record<string, string> },
  registry: Registry,
): () => void {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the supervisor's requests only once an AggregatorRegistry exists here.
  new AggregatorRegistry();
  const send = () => {
    if (!process.connected) return;
    const status: WorkerStatus = {
      tmbus: 'status',
      pid: process.pid,
      ready: runtime.ready,
      tasks: runtime.taskStatuses(),
    };
    process.send?.(status);
  };
  send();
  const timer = setInterval(send, 500);
  timer.unref();
  return () => clearInterval(timer);
}

/** In the primary: forks and supervises the workers (they re-run this program with TMBUS_WORKER_INDEX). */
export async function superviseWorkers(options: SupervisorOptions): Promise<Supervisor> {
  const log = options.logger;
  const maxRestarts = options.maxRestartsPerMinute ?? 5;
  const status = new Map<number, WorkerStatus | undefined>();
  const workers = new Map<number, Worker>();
  const restarts: number[] = [];
  let stopping = false;
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let exitCode = 0;

  const fork = (index: number) => {
    const worker = cluster.fork({ TMBUS_WORKER_INDEX: String(index) });
    workers.set(index, worker);
    status.set(index, undefined);
    worker.on('message', (m: WorkerStatus) => {
      if (m?.tmbus === 'status') status.set(index, m);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(index);
      status.delete(index);
      if (stopping) {
        if (workers.size === 0) finish(exitCode);
        return;
      }
      const now = Date.now();
      while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length >= maxRestarts) {
        log.error({ worker: index, code, signal, restarts: restarts.length }, 'worker keeps dying: stopping');
        exitCode = 1;
        void stop();
        return;
      }
      restarts.push(now);
      const delayMs = Math.min(10_000, 500 * 2 ** (restarts.length - 1));
      log.warn({ worker: index, code, signal, delayMs }, 'worker died: restarting it');
      setTimeout(() => !stopping && fork(index), delayMs);
    });
  };

  const aggregator = new AggregatorRegistry();
  const ops = await startOpsServer({
    registry: { contentType: aggregator.contentType, metrics: () => aggregator.clusterMetrics() },
    port: options.opsPort,
    host: options.opsHost,
    checks: {
      workers: () => {
        const all = [...Array(options.workers).keys()].map((i) => status.get(i));
        return {
          ready: all.every((s) => s?.ready === true),
          detail: Object.fromEntries(
            all.map((s, i) => [
              `worker-${i}`,
              s ? { pid: s.pid, ready: s.ready, tasks: s.tasks } : 'starting',
            ]),
          ),
        };
      },
    },
  });

  const stop = async (): Promise<number> => {
    if (!stopping) {
      stopping = true;
      if (workers.size === 0) finish(exitCode);
      for (const w of workers.values()) w.process.kill('SIGTERM');
      const bound = options.shutdownTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        for (const w of workers.values()) w.process.kill('SIGKILL');
      }, bound + 5_000);
      timer.unref();
      void done.finally(() => clearTimeout(timer));
    }
    const code = await done;
    await ops.close();
    return code;
  };

  for (let i = 0; i < options.workers; i++) fork(i);
  log.info({ workers: options.workers, ops: ops.url }, 'supervising workers');
  return { ops, done, stop };
}
