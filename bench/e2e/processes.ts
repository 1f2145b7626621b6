// The processes of an end-to-end run: each a TypeScript module of bench/ run through tsx with an
// IPC channel and the run's setup in `E2E_SETUP`, killed if the orchestrator exits. A process that
// reports `failed`, or exits before the run stops it, is recorded: the report lists it.

import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, track } from '../lib/processes.js';
import type { E2eSetup } from './plan.js';

export type Message = { kind: string; [k: string]: unknown };

export class RunProcesses {
  readonly children: ChildProcess[] = [];
  /** Processes that failed or exited before `stopping`: part of the report. */
  readonly failures: string[] = [];
  stopping = false;

  constructor(
    private readonly setup: E2eSetup,
    private readonly log: (m: string) => void,
  ) {}

  start(name: string, file: string, env: Record<string, string>, nodeArgs: string[] = []): ChildProcess {
    const child = track(process.execPath, [...nodeArgs, '--import', 'tsx', join(BENCH_DIR, file)], {
      env: { ...process.env, E2E_SETUP: JSON.stringify(this.setup), ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.children.push(child);
    child.on('message', (m: Message) => {
      if (m?.kind === 'log') this.log(`${name}: ${m.message}`);
      if (m?.kind === 'failed') {
        const failure = `${name}: ${String(m.message).split('\n')[0]}`;
        if (!this.failures.includes(failure)) this.failures.push(failure);
        this.log(`${name} failed: ${m.message}`);
      }
    });
    child.once('exit', (code) => {
      if (!this.stopping && code !== 0) this.failures.push(`${name} exited with ${code} during the run`);
    });
    return child;
  }

  /** Waits for every child to exit, each at most `timeoutMs`. */
  async exited(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.children.map((c) =>
        c.exitCode === null && c.signalCode === null
          ? Promise.race([new Promise((r) => c.once('exit', r)), sleep(timeoutMs)])
          : undefined,
      ),
    );
  }

  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends unless the child is gone (its exit is already among the failures). */
export function tell(child: ChildProcess, m: Message): boolean {
  if (!child.connected) return false;
  child.send(m);
  return true;
}

/** The next message of `kind` from `child`; rejects when it exits first or after `timeoutMs`. */
export function next(child: ChildProcess, kind: string, timeoutMs = 120_000): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${kind}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: Message) => {
      if (m?.kind !== kind) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m);
    };
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`a child exited with ${code} before '${kind}'`));
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Busy and total jiffies of all cores (/proc/stat), to tell this run's CPU from other work's. */
export function machineCpu(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.reduce((x, y) => x + y, 0);
  return { busy: total - idle, total };
}

/** The pid listening on `port` on this machine (the broker), from `ss`; undefined when not found. */
export function listenerPid(port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`]).toString();
    const m = /pid=(\d+)/.exec(out);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** utime + stime of a process, in jiffies (1/100 s), from /proc; undefined once it is gone. */
export function processJiffies(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}
