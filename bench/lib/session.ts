// One session = one system under test with one processing guarantee on fresh topics: the probe
// starts on the output topics, the system starts, then each phase offers its load (from the load
// generator process) and waits until every expected output has reached the probe (or the phase
// times out / stalls), and takes the probe's snapshot. An incomplete phase ends the session — its
// backlog would pollute the next phase — and the caller runs the remaining phases in a new one.

import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { ConnectionConfig } from '../../core/config.js';
import { domainTopic, TopicManager, type TopicSpec } from '../../runtime/kafka/topics.js';
import { inputTopic, MIX, outputTopic } from '../runtime/mix.js';
import type { Guarantee, SystemUnderTest } from '../sut/systems.js';
import type { LaneSummaries } from './latency.js';
import type { LoadPlan, LoadReport, LoadStream } from './load-plan.js';
import { deleteConsumerGroups } from './perf-tools.js';
import { ProbeClient } from './probe-client.js';
import { drain, spawnTs } from './processes.js';
import { deleteSubjects } from './registry-cleanup.js';

export type PhaseKind = 'warmup' | 'rate' | 'isolation-alone' | 'isolation-background' | 'burst';

export interface PhaseSpec {
  kind: PhaseKind;
  /** Offered input events/s (all streams), 0 for a burst. */
  offered: number;
  streams: LoadStream[];
  /** Longest wait for the outputs after the load is produced, ms. */
  drainTimeoutMs: number;
  /** Returns why this phase should not run, given the results so far (e.g. a lower rate failed). */
  skipIf?: (done: readonly PhaseResult[]) => string | undefined;
}

export interface PhaseResult {
  system: SystemUnderTest['name'];
  guarantee: Guarantee;
  kind: PhaseKind;
  offered: number;
  skipped?: string;
  sent: number;
  expectedOutputs: number;
  /** Distinct expected outputs that reached the probe. */
  received: number;
  lost: number;
  duplicates: number;
  complete: boolean;
  /** Load: time to hand every record to the client, and the rate achieved. */
  produceSeconds: number;
  producedRate: number;
  /** First send → last output received, s; input events / that = events/s through the pipeline. */
  elapsedSeconds: number;
  eventsPerSecond: number;
  /** Send → receive at the probe, per lane. */
  lanes: LaneSummaries;
  /** Send → the output's append at the broker, per lane: the pipeline without the probe's read. */
  appended?: LaneSummaries;
  perTopic: Record<string, number>;
  loadAverage: number;
  /** CPU (user + system) of the system's processes per input event, µs (0 when not measured). */
  cpuMicrosPerEvent: number;
}

export interface SessionOptions {
  system: SystemUnderTest;
  guarantee: Guarantee;
  connection: ConnectionConfig;
  env: NodeJS.ProcessEnv;
  cpuProfileDir?: string;
  log: (s: string) => void;
  /** Give up on a phase when no new output arrives for this long, ms. @default 20000 */
  stallMs?: number;
  /** Results of earlier sessions of the same system and guarantee (seen by `skipIf`). */
  history?: readonly PhaseResult[];
}

export interface SessionResult {
  results: PhaseResult[];
  /** Phases not run because an earlier one did not complete. */
  remaining: PhaseSpec[];
  error?: string;
}

export function runId(): string {
  return `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

export function benchTopics(run: string) {
  return MIX.flatMap(({ family }) => [
    domainTopic(inputTopic(run, family), family === 'MarketDataEvent' ? 6 : 3),
    appendTimed(domainTopic(outputTopic(run, family), family === 'MarketDataEvent' ? 6 : 3)),
  ]);
}

/** Outputs are stamped with the broker's append time (the send time travels in a header). */
function appendTimed(spec: TopicSpec): TopicSpec {
  return { ...spec, config: { ...spec.config, 'message.timestamp.type': 'LogAppendTime' } };
}

/** Runs the load generator process with `plan`; resolves with its report. */
export function runLoad(plan: LoadPlan, env: NodeJS.ProcessEnv): Promise<LoadReport> {
  return new Promise((resolve, reject) => {
    const child = spawnTs('load/producer.ts', [JSON.stringify(plan)], env);
    const output = drain(child, 'load');
    child.on('exit', (code) => {
      const last = output().trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as LoadReport);
      else reject(new Error(`load generator exited ${code}\n${output()}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSession(phases: readonly PhaseSpec[], o: SessionOptions): Promise<SessionResult> {
  const run = runId();
  const topics = new TopicManager(o.connection);
  const specs = benchTopics(run);
  const results: PhaseResult[] = [];
  let remaining: PhaseSpec[] = [];
  let error: string | undefined;
  await topics.ensure(specs);
  const capacity = phases.reduce((n, p) => n + p.streams.reduce((m, s) => m + s.count, 0), 0);
  let probe: ProbeClient | undefined;
  let sut: Awaited<ReturnType<SystemUnderTest['start']>> | undefined;
  try {
    probe = await ProbeClient.start(
      {
        brokers: o.connection.kafka.brokers,
        topics: specs
          .filter((s) => s.name.includes('-out-'))
          .map((s) => ({ topic: s.name, partitions: s.partitions })),
        seqCapacity: capacity,
      },
      o.env,
    );
    sut = await o.system.start({ run, guarantee: o.guarantee, env: o.env, cpuProfileDir: o.cpuProfileDir });
    let seq = 0;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i]!;
      const skipped = phase.skipIf?.([...(o.history ?? []), ...results]);
      if (skipped) {
        o.log(`bench:   ${describePhase(phase)}: skipped (${skipped})`);
        results.push(skippedResult(phase, o, skipped));
        continue;
      }
      o.log(`bench:   ${describePhase(phase)}…`);
      const cpuBefore = sut.cpuSeconds();
      const report = await runLoad({ run, seqBase: seq, streams: phase.streams }, o.env);
      seq += report.sent;
      const deadline = Date.now() + phase.drainTimeoutMs;
      let last = -1;
      let lastChange = Date.now();
      while (probe.distinct < report.expectedOutputs && Date.now() < deadline) {
        if (probe.distinct !== last) {
          last = probe.distinct;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > (o.stallMs ?? 20_000)) break;
        if (probe.error) throw new Error(`probe: ${probe.error}`);
        await sleep(50);
      }
      // Under at-least-once a late duplicate may still arrive; it is counted in the next snapshot.
      const snap = await probe.snapshot(true);
      const cpu = sut.cpuSeconds() - cpuBefore;
      const complete = snap.distinct >= report.expectedOutputs;
      const elapsed = Math.max(0.001, ((snap.lastReceiveAt || Date.now()) - report.startedAt) / 1000);
      const produceSeconds = Math.max(0.001, (report.producedAt - report.startedAt) / 1000);
      results.push({
        system: o.system.name,
        guarantee: o.guarantee,
        kind: phase.kind,
        offered: phase.offered,
        sent: report.sent,
        expectedOutputs: report.expectedOutputs,
        received: snap.distinct,
        lost: Math.max(0, report.expectedOutputs - snap.distinct),
        duplicates: snap.duplicates,
        complete,
        produceSeconds: round(produceSeconds, 2),
        producedRate: Math.round(report.sent / produceSeconds),
        elapsedSeconds: round(elapsed, 2),
        eventsPerSecond: Math.round(report.sent / elapsed),
        lanes: snap.lanes,
        appended: snap.appended,
        perTopic: snap.perTopic,
        loadAverage: loadavg()[0]!,
        cpuMicrosPerEvent: report.sent > 0 ? round((cpu * 1e6) / report.sent, 1) : 0,
      });
      if (!complete) {
        o.log(
          `bench:   incomplete: ${snap.distinct}/${report.expectedOutputs} outputs; the next phases run in a new session`,
        );
        remaining = phases.slice(i + 1);
        break;
      }
    }
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    o.log(`bench:   ${o.system.name} ${o.guarantee} failed: ${error}`);
  } finally {
    await sut?.stop();
    await probe?.stop();
    const all = await topics.describe();
    await topics.delete([...all.keys()].filter((t) => t.startsWith(`bench-${run}`)));
    // The probe is assigned, never joins or commits: only the system's own group exists.
    await deleteConsumerGroups(o.connection.kafka.brokers, [`bench-${run}`, `bench-${run}-ks`]);
    await deleteSubjects(o.connection.registry.url, `bench-${run}-`).catch(() => 0);
  }
  return { results, remaining, error };
}

function skippedResult(phase: PhaseSpec, o: SessionOptions, why: string): PhaseResult {
  return {
    system: o.system.name,
    guarantee: o.guarantee,
    kind: phase.kind,
    offered: phase.offered,
    skipped: why,
    sent: 0,
    expectedOutputs: 0,
    received: 0,
    lost: 0,
    duplicates: 0,
    complete: false,
    produceSeconds: 0,
    producedRate: 0,
    elapsedSeconds: 0,
    eventsPerSecond: 0,
    lanes: {},
    perTopic: {},
    loadAverage: 0,
    cpuMicrosPerEvent: 0,
  };
}

export function describePhase(p: PhaseSpec): string {
  const n = p.streams.reduce((a, s) => a + s.count, 0);
  return p.offered > 0
    ? `${p.kind} at ${p.offered} events/s (${n} events)`
    : `${p.kind} of ${n} events at once`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
