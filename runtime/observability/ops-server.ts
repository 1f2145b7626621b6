// The operations endpoint of a runtime or gateway process: `/metrics` (Prometheus text format),
// `/healthz` (the process is alive) and `/readyz` (every readiness check passes: partitions
// assigned, stores restored, registry and Redis reachable, breakers closed — whatever the process
// registers). Plain node:http: it must keep answering when everything else is in trouble.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A check's verdict, with what an operator needs to see why (e.g. the state of every task). */
export interface ReadinessResult {
  ready: boolean;
  /** Shown under `details.<check>` in the `/readyz` body, ready or not. */
  detail?: unknown;
}

export type ReadinessCheck = () => boolean | ReadinessResult | Promise<boolean | ReadinessResult>;

/** What the runtime's readiness check reads (StreamsRuntime fits; structural, so no upward import). */
export interface TaskReadinessSource {
  /** Owns partitions and every task is RUNNING. */
  readonly ready: boolean;
  /** State of every task by task id (see the engine's TaskStatus). */
  taskStatuses(): Record<string, string>;
}

/**
 * The runtime's readiness check: ready when every task is RUNNING; the detail lists every task's
 * state either way, so a 503 says which task is RESTORING, SUSPENDED or FAILED.
 * @example startOpsServer({ registry, checks: { runtime: runtimeReadiness(runtime) } })
 */
export function runtimeReadiness(runtime: TaskReadinessSource): ReadinessCheck {
  return () => ({ ready: runtime.ready, detail: { tasks: runtime.taskStatuses() } });
}

export interface OpsServerOptions {
  /** Where /metrics comes from (a prom-client Registry, or an AggregatorRegistry's cluster view). */
  registry: { metrics(): Promise<string>; readonly contentType: string };
  /**
   * Named readiness checks; `/readyz` is 200 only when all pass, else 503. Its JSON body:
   * `{ status: "ready" | "not ready", checks: { name: boolean }, details: { name: detail } }`
   * (a check that threw or took over 2 s is false).
   */
  checks?: Record<string, ReadinessCheck>;
  /** @default 0 (an ephemeral port; read it from `address()`) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Extra handlers (e.g. the dashboard), tried in order before the 404; true = handled. */
  handlers?: readonly ((req: IncomingMessage, res: ServerResponse) => boolean)[];
}

export interface OpsServer {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

interface ReadinessReport {
  status: 'ready' | 'not ready';
  checks: Record<string, boolean>;
  details: Record<string, unknown>;
}

async function runChecks(checks: Record<string, ReadinessCheck>): Promise<ReadinessReport> {
  const results: Record<string, boolean> = {};
  const details: Record<string, unknown> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        const verdict = await Promise.race([
          check(),
          new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
        ]);
        if (typeof verdict === 'object' && verdict !== null) {
          results[name] = Boolean(verdict.ready);
          if (verdict.detail !== undefined) details[name] = verdict.detail;
        } else results[name] = Boolean(verdict);
      } catch {
        results[name] = false;
      }
    }),
  );
  const ok = Object.values(results).every(Boolean);
  return { status: ok ? 'ready' : 'not ready', checks: results, details };
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/metrics') {
      options.registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': options.registry.contentType });
          res.end(body);
        })
        .catch((e: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        });
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    } else if (path === '/readyz') {
      void runChecks(options.checks ?? {}).then((report) => {
        res.writeHead(report.status === 'ready' ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report));
      });
    } else if (options.handlers?.some((handle) => handle(req, res))) {
      // answered by an extra handler
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { address, port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
