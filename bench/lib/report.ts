// The Markdown rendering of a bench result (report-model.ts): our figure, the ceiling (Kafka's own
// perf tools), the peer (Kafka Streams) and the ratios, per measure, with the machine and its load
// average. Pure functions: the unit tests render fixed reports.

import { PRIORITIES, PRIORITY_BUDGET_MS, type Priority } from '../../schemas/catalog.js';
import type { Guarantee, SystemName } from '../sut/systems.js';
import type { LatencySummary } from './latency.js';
import { type BenchReport, type CeilingRun, pipelineCeiling, sustained } from './report-model.js';
import type { PhaseResult } from './session.js';

const SYSTEM_LABEL: Record<SystemName, string> = {
  tmbus: 'TMBus',
  'kafka-streams': 'Kafka Streams',
  'tmbus-w2': 'TMBus, 2 workers',
  'kafka-streams-t2': 'Kafka Streams, 2 threads',
};

/** µs of process CPU per input event (the system's own processes: Node or the JVM). */
const formatCpu = (p: { skipped?: string; cpuMicrosPerEvent?: number } | undefined) =>
  p && !p.skipped && p.cpuMicrosPerEvent ? p.cpuMicrosPerEvent.toFixed(1) : '–';
const GUARANTEE_LABEL: Record<Guarantee, string> = { at_least_once: 'ALOS', exactly_once: 'EOS' };

export function formatLatency(s: LatencySummary | undefined): string {
  return s ? `${s.p50} / ${s.p99} / ${s.p999}` : '–';
}

/** `a ÷ b` as `1.23×`, or `–` when either side is missing or zero. */
export function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || a <= 0 || b <= 0)
    return '–';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

export function formatCount(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function find(
  phases: readonly PhaseResult[],
  system: SystemName,
  guarantee: Guarantee,
  kind: PhaseResult['kind'],
  offered?: number,
): PhaseResult | undefined {
  return phases.find(
    (p) =>
      p.system === system &&
      p.guarantee === guarantee &&
      p.kind === kind &&
      (offered === undefined || p.offered === offered),
  );
}

function highestSustained(
  phases: readonly PhaseResult[],
  system: SystemName,
  g: Guarantee,
): number | undefined {
  const rates = phases.filter(
    (p) => p.system === system && p.guarantee === g && p.kind === 'rate' && sustained(p),
  );
  return rates.length ? Math.max(...rates.map((p) => p.offered)) : undefined;
}

function phaseNote(p: PhaseResult | undefined): string {
  if (!p) return 'not run';
  if (p.skipped) return `skipped: ${p.skipped}`;
  if (!p.complete) return `INCOMPLETE (${formatCount(p.received)}/${formatCount(p.expectedOutputs)})`;
  if (p.guarantee === 'exactly_once' && p.duplicates > 0)
    return `${formatCount(p.duplicates)} DUPLICATES under EOS`;
  return sustained(p) || p.kind !== 'rate' ? 'ok' : 'fell behind';
}

export function renderReport(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [];
  const systems = r.config.systems;
  const guarantees = r.config.guarantees;
  out.push(
    `# TMBus benchmark (${r.mode}) — ${r.startedAt}`,
    '',
    `Machine: ${m.cores} × ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, ${m.java}, Kafka ${m.kafka} ` +
      `(single broker on the same machine), librdkafka ${m.librdkafka}. Load average (1/5/15 min): ` +
      `${r.loadAverage.start.join(' / ')} at start, ${r.loadAverage.end.join(' / ')} at end. Took ${Math.round(r.durationSeconds)} s.` +
      (r.code ? ` Code: ${r.code.commit}${r.code.dirty ? ' with local changes' : ''}.` : ''),
    '',
    'Topology: route → filter → transform with Avro decode+encode (Confluent wire format), 4 input families ' +
      '(85% market data, 8% portfolio, 5% system, 2% risk); VOLUME_UPDATE is filtered out. Latency = probe receive time − ' +
      'record create time (set by the load generator at send), per lane (`tm-priority` header), in ms, p50 / p99 / p99.9. ' +
      `Load generator, probe and system under test are separate processes. Kafka Streams: ${r.config.peerThreads} stream thread(s), ` +
      'linger 2 ms and lz4 like the runtime, commit interval 100 ms.',
    '',
  );

  // Throughput
  out.push('## Throughput (input events/s through the pipeline)', '');
  const tRows: string[][] = [];
  for (const g of guarantees) {
    const ceiling = pipelineCeiling(g === 'exactly_once' ? r.ceiling?.transactional : r.ceiling?.plain);
    const burst = (s: SystemName) => {
      const p = find(r.phases, s, g, 'burst');
      return p && !p.skipped && p.complete ? p.eventsPerSecond : undefined;
    };
    const ours = burst('tmbus');
    const peer = burst('kafka-streams');
    tRows.push([
      `max: burst of ${formatCount(r.config.burst)} caught up`,
      GUARANTEE_LABEL[g],
      formatCount(ours),
      systems.includes('kafka-streams') ? formatCount(peer) : 'not run',
      formatCount(ceiling),
      ratio(ours, ceiling),
      ratio(ours, peer),
    ]);
    if (systems.includes('tmbus-w2') || systems.includes('kafka-streams-t2')) {
      const ours2 = burst('tmbus-w2');
      const peer2 = burst('kafka-streams-t2');
      tRows.push([
        `burst, 2 workers vs 2 stream threads (1 worker: ${formatCount(ours)}; ${ratio(ours2, ours)} of it)`,
        GUARANTEE_LABEL[g],
        formatCount(ours2),
        formatCount(peer2),
        formatCount(ceiling),
        ratio(ours2, ceiling),
        ratio(ours2, peer2),
      ]);
    }
    const oursRate = highestSustained(r.phases, 'tmbus', g);
    const peerRate = highestSustained(r.phases, 'kafka-streams', g);
    tRows.push([
      `highest fixed rate sustained (of ${r.config.rates.map(formatCount).join(', ')})`,
      GUARANTEE_LABEL[g],
      oursRate ? formatCount(oursRate) : 'none',
      systems.includes('kafka-streams') ? (peerRate ? formatCount(peerRate) : 'none') : 'not run',
      formatCount(ceiling),
      ratio(oursRate, ceiling),
      ratio(oursRate, peerRate),
    ]);
  }
  out.push(
    ...table(
      [
        'measure',
        'guarantee',
        'TMBus',
        'Kafka Streams',
        'ceiling',
        'TMBus ÷ ceiling',
        'TMBus ÷ Kafka Streams',
      ],
      tRows,
    ),
    '',
    'Ceiling = the slower of Kafka’s ProducerPerformance and ConsumerPerformance on the same broker (a pipeline does both); ' +
      'for EOS, a transactional producer and a read_committed consumer. SPEC §7 target: 100,000 events/s.',
    '',
  );

  // Latency per lane at fixed rates
  out.push('## Latency per lane at fixed offered rates (ms, p50 / p99 / p99.9)', '');
  const lRows: string[][] = [];
  for (const g of guarantees) {
    for (const rate of r.config.rates) {
      const bySystem = systems.map((s) => [s, find(r.phases, s, g, 'rate', rate)] as const);
      for (const [s, p] of bySystem) {
        lRows.push([
          GUARANTEE_LABEL[g],
          formatCount(rate),
          SYSTEM_LABEL[s],
          p && !p.skipped ? formatCount(p.eventsPerSecond) : '–',
          formatCpu(p),
          ...PRIORITIES.map((lane) => formatLatency(p?.lanes[lane])),
          phaseNote(p),
        ]);
      }
      const ours = bySystem.find(([s]) => s === 'tmbus')?.[1];
      const peer = bySystem.find(([s]) => s === 'kafka-streams')?.[1];
      if (ours && peer && !ours.skipped && !peer.skipped)
        lRows.push([
          GUARANTEE_LABEL[g],
          formatCount(rate),
          'p99 TMBus ÷ KS',
          ratio(ours.eventsPerSecond, peer.eventsPerSecond),
          ratio(ours.cpuMicrosPerEvent, peer.cpuMicrosPerEvent),
          ...PRIORITIES.map((lane) => ratio(ours.lanes[lane]?.p99, peer.lanes[lane]?.p99)),
          'latency < 1× = TMBus faster',
        ]);
    }
  }
  out.push(
    ...table(
      [
        'guarantee',
        'offered/s',
        'system',
        'achieved/s',
        'CPU µs/event',
        ...PRIORITIES.map((p) => `${p} (SLO p99 ≤ ${PRIORITY_BUDGET_MS[p]})`),
        'status',
      ],
      lRows,
    ),
    '',
  );
  const slo = sloCheck(r);
  if (slo) out.push(slo, '');

  // Priority isolation
  const iso = guarantees.flatMap((g) =>
    systems.map((s) => {
      const alone = find(r.phases, s, g, 'isolation-alone');
      const withBg = find(r.phases, s, g, 'isolation-background');
      if (!alone && !withBg) return undefined;
      return [
        GUARANTEE_LABEL[g],
        SYSTEM_LABEL[s],
        formatLatency(alone?.lanes.CRITICAL),
        formatLatency(withBg?.lanes.CRITICAL),
        ratio(withBg?.lanes.CRITICAL?.p99, alone?.lanes.CRITICAL?.p99),
        appendSpan(alone, withBg),
        formatLatency(withBg?.lanes.BACKGROUND),
        `${phaseNote(alone)} / ${phaseNote(withBg)}`,
      ];
    }),
  );
  if (iso.some(Boolean)) {
    out.push(
      `## Priority isolation: CRITICAL at ${formatCount(r.config.criticalRate)}/s, alone and with BACKGROUND at ${formatCount(10 * r.config.criticalRate)}/s (ms)`,
      '',
      ...table(
        [
          'guarantee',
          'system',
          'CRITICAL alone',
          'CRITICAL with BACKGROUND 10×',
          'CRITICAL p99 with ÷ alone',
          'CRITICAL p99 to the output’s append: alone → with (÷)',
          'BACKGROUND meanwhile',
          'status',
        ],
        iso.filter((x): x is string[] => Boolean(x)),
      ),
      '',
      'Kafka Streams has no priority lanes: its figure is there for contrast. Latency runs from the',
      'send to the probe’s receive; “to the output’s append” stops at the broker’s LogAppendTime of',
      'the output, leaving out the probe’s own read.',
      '',
    );
  }

  // Burst
  const bRows = guarantees.flatMap((g) =>
    systems.map((s) => {
      const p = find(r.phases, s, g, 'burst');
      return [
        GUARANTEE_LABEL[g],
        SYSTEM_LABEL[s],
        formatCount(p?.sent),
        formatCount(p?.expectedOutputs),
        formatCount(p?.received),
        p ? formatCount(p.lost) : '–',
        p ? formatCount(p.duplicates) : '–',
        p ? `${p.produceSeconds}` : '–',
        p ? `${p.elapsedSeconds}` : '–',
        formatCount(p?.eventsPerSecond),
        formatCpu(p),
        formatLatency(p?.lanes.CRITICAL),
        phaseNote(p),
      ];
    }),
  );
  out.push(
    `## Burst: ${formatCount(r.config.burst)} events produced at once`,
    '',
    ...table(
      [
        'guarantee',
        'system',
        'produced',
        'expected outputs',
        'received (distinct ids)',
        'lost',
        'duplicates',
        'produce s',
        'catch-up s',
        'events/s',
        'CPU µs/event',
        'CRITICAL latency',
        'status',
      ],
      bRows,
    ),
    '',
    'Every input carries a unique sequence number; “received” counts distinct numbers at the probe, “lost” = expected − received.',
    '',
  );

  // Ceiling
  if (r.ceiling) {
    const c = r.ceiling;
    const rows: string[][] = [];
    const add = (label: string, run: CeilingRun | undefined) => {
      if (!run) return;
      if (run.error) rows.push([label, '–', '–', '–', `failed: ${run.error.split('\n')[0]}`]);
      if (run.producer)
        rows.push([
          `${label} ProducerPerformance`,
          `${formatCount(run.producer.records)} × ${c.recordSize} B`,
          formatCount(run.producer.recordsPerSec),
          run.producer.mbPerSec.toFixed(1),
          `${run.producer.steadyState ? 'steady state after a warm-up quarter; ' : ''}ack latency p50 ${run.producer.p50Ms} / p99 ${run.producer.p99Ms} / p99.9 ${run.producer.p999Ms} ms`,
        ]);
      if (run.consumer)
        rows.push([
          `${label} ConsumerPerformance`,
          formatCount(run.consumer.records),
          formatCount(run.consumer.fetchRecordsPerSec),
          run.consumer.fetchMbPerSec.toFixed(1),
          `fetch time only (${formatCount(run.consumer.recordsPerSec)}/s including ${run.consumer.rebalanceMs} ms group join)`,
        ]);
    };
    add('plain', c.plain);
    add('transactional', c.transactional);
    out.push(
      '## Ceiling: Kafka’s own perf tools on the same broker',
      '',
      ...table(['tool', 'records', 'events/s', 'MB/s', 'notes'], rows),
      '',
      `Record size = the average framed Avro size of the load mix (${c.recordSize} B); producer: ${Object.entries(
        c.producerProps,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}.`,
      '',
    );
  }

  // Gateway
  out.push('## Gateway (Socket.IO fan-out)', '');
  const gw = r.gateway;
  out.push(
    ...table(
      ['connections', 'deliveries/min', 'p50 ms', 'p99 ms', 'heap MiB', 'RSS MiB', 'status'],
      [
        gw.measured
          ? [
              formatCount(gw.connections),
              formatCount(gw.deliveriesPerMinute),
              formatCount(gw.p50Ms),
              formatCount(gw.p99Ms),
              formatCount(gw.heapMiB),
              formatCount(gw.rssMiB),
              `measured (${gw.command})`,
            ]
          : ['–', '–', '–', '–', '–', '–', `NOT MEASURED: ${gw.reason}`],
      ],
    ),
    '',
  );

  if (r.profile) {
    out.push(
      `## Where TMBus spends its CPU (V8 profile of the runtime process, ${r.profile.file})`,
      '',
      ...table(
        ['area', 'self time'],
        r.profile.byArea.slice(0, 8).map((a) => [a.area, `${a.selfPercent.toFixed(1)}%`]),
      ),
      '',
      ...table(
        ['function', 'where', 'self time'],
        r.profile.top
          .slice(0, 12)
          .map((f) => [`\`${f.functionName}\``, f.location, `${f.selfPercent.toFixed(1)}%`]),
      ),
      '',
    );
  }
  if (r.errors.length) out.push('## Errors', '', ...r.errors.map((e) => `- ${e.split('\n')[0]}`), '');
  return out.join('\n');
}

/** One line per guarantee: which lanes of TMBus met their p99 budget at the highest sustained rate. */
function sloCheck(r: BenchReport): string | undefined {
  const lines: string[] = [];
  for (const g of r.config.guarantees) {
    const rate = highestSustained(r.phases, 'tmbus', g);
    if (!rate) continue;
    const p = find(r.phases, 'tmbus', g, 'rate', rate)!;
    const verdicts = PRIORITIES.filter((lane) => p.lanes[lane]).map((lane: Priority) => {
      const p99 = p.lanes[lane]!.p99;
      return `${lane} ${p99 <= PRIORITY_BUDGET_MS[lane] ? 'meets' : 'MISSES'} (${p99} ms)`;
    });
    lines.push(`TMBus ${GUARANTEE_LABEL[g]} at ${formatCount(rate)}/s, p99 vs SLO: ${verdicts.join(', ')}.`);
  }
  return lines.length ? lines.join(' ') : undefined;
}

/** CRITICAL p99 from send to the output's append at the broker, alone → with BACKGROUND (ratio). */
function appendSpan(alone: PhaseResult | undefined, withBg: PhaseResult | undefined): string {
  const a = alone?.appended?.CRITICAL?.p99;
  const b = withBg?.appended?.CRITICAL?.p99;
  if (a === undefined || b === undefined) return '–';
  return `${a} → ${b} (${ratio(b, a)})`;
}
