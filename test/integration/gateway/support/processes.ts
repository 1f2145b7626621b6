// Process-level fixtures for fault tests: a gateway in a child process (so it can be SIGKILLed),
// a plain round-robin TCP load balancer (what WebSocket-only transport makes sufficient), and a
// private redis-server that a test may kill and restart without touching the shared one.

import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { GatewayConfigInput } from '../../../../gateway/config.js';

export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Lane partitions the process owns, as it last reported. */
  partitions(): number;
  kill(): Promise<void>;
}

const entry = join(import.meta.dirname, 'gateway-process.ts');

export async function spawnGateway(config: GatewayConfigInput): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, GATEWAY_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partitions = 0;
  let buffered = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway process did not start')), 60_000);
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('READY ')) {
          clearTimeout(timer);
          resolve(line.slice(6));
        } else if (line.startsWith('PARTITIONS ')) partitions = Number(line.slice(11));
      }
    });
  });
  return {
    child,
    url,
    port: Number(new URL(url).port),
    partitions: () => partitions,
    async kill() {
      // A signalled process keeps exitCode null: check both, or a second kill waits forever.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Round-robin TCP balancer; a backend that refuses the connection is skipped. */
export async function startBalancer(
  backends: number[],
): Promise<{ port: number; close(): void; connectionsTo: Map<number, number> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const connectionsTo = new Map<number, number>();
  const pipeTo = (client: Socket, attempt: number) => {
    const port = backends[next++ % backends.length]!;
    const upstream = createConnection({ host: '127.0.0.1', port });
    upstream.once('error', () => {
      upstream.destroy();
      if (attempt + 1 < backends.length && !client.destroyed) pipeTo(client, attempt + 1);
      else client.destroy();
    });
    upstream.once('connect', () => {
      connectionsTo.set(port, (connectionsTo.get(port) ?? 0) + 1);
      sockets.add(upstream);
      upstream.removeAllListeners('error');
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', close).on('close', close);
      client.on('error', close).on('close', close);
    });
  };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.pause();
    pipeTo(client, 0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    connectionsTo,
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

/** A redis-server of our own (no persistence), which the test may kill and start again. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const probe = new Redis(this.url, {
      lazyConnect: true,
      retryStrategy: () => 50,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not start');
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    probe.disconnect();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
