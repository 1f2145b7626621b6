// The orchestrator's handle on the probe process: start it on a set of output topics, watch its
// progress, take (and reset) snapshots between phases.

import type { ChildProcess } from 'node:child_process';
import type { ProbeConfig, ProbeMessage, ProbeSnapshot } from './probe-protocol.js';
import { drain, spawnTs, terminate } from './processes.js';

export class ProbeClient {
  /** Distinct sequence numbers received since the last reset. */
  distinct = 0;
  received = 0;
  private readonly child: ChildProcess;
  private readonly output: () => string;
  private waiting?: (s: ProbeSnapshot) => void;
  private failure?: string;

  private constructor(config: ProbeConfig, env: NodeJS.ProcessEnv) {
    this.child = spawnTs('probe.ts', [JSON.stringify(config)], env, { ipc: true });
    this.output = drain(this.child, 'probe');
    this.child.on('message', (m: ProbeMessage) => {
      if (m.type === 'progress') {
        this.distinct = m.distinct;
        this.received = m.received;
      } else if (m.type === 'snapshot') this.waiting?.(m.snapshot);
      else if (m.type === 'error') this.failure = m.message;
    });
  }

  static async start(config: ProbeConfig, env: NodeJS.ProcessEnv): Promise<ProbeClient> {
    const probe = new ProbeClient(config, env);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`probe not ready in 60 s\n${probe.output()}`)), 60_000);
      probe.child.on('message', (m: ProbeMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      probe.child.once('exit', (code) => reject(new Error(`probe exited ${code}\n${probe.output()}`)));
    });
    return probe;
  }

  get error(): string | undefined {
    return this.failure;
  }

  snapshot(reset: boolean): Promise<ProbeSnapshot> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('probe snapshot timed out')), 30_000);
      this.waiting = (s) => {
        clearTimeout(timer);
        this.waiting = undefined;
        if (reset) {
          this.distinct = 0;
          this.received = 0;
        }
        resolve(s);
      };
      this.child.send({ cmd: 'snapshot', reset });
    });
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ cmd: 'stop' });
    await terminate(this.child, 10_000);
  }
}
