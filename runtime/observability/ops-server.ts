// The operations endpoint of a runtime or gateway process: `/metrics` (Prometheus text format),
// `/healthz` (the process is alive) and `/readyz` (every readiness check passes: partitions
// assigned, stores restored, registry and Redis reachable, breakers closed — whatever the process
// registers). Plain node:http: it must keep answering when everything else is in trouble.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface OpsServerOptions {
  registry: Registry;
  /** Named readiness checks; `/readyz` is 200 only when all pass. */
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

async function runChecks(
  checks: Record<string, ReadinessCheck>,
): Promise<{ ok: boolean; results: Record<string, boolean> }> {
  const results: Record<string, boolean> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        results[name] = Boolean(
          await Promise.race([
            check(),
            new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
          ]),
        );
      } catch {
        results[name] = false;
      }
    }),
  );
  return { ok: Object.values(results).every(Boolean), results };
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
      void runChecks(options.checks ?? {}).then(({ ok, results }) => {
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: ok ? 'ready' : 'not ready', checks: results }));
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
