// `tmbus replay`: replays a time range of a topic, either by copying its records into another
// topic (`--into`, checkpointed, resumable, with a progress bar) or by moving a stopped consumer
// group's offsets back to the start of the range (`--group`). Ctrl-C stops after the batch in
// flight is acknowledged and checkpointed; the same command then resumes.

import cliProgress from 'cli-progress';
import { Command, Option } from 'commander';
import { ConfigError } from '../core/errors.js';
import { resetGroupToTime } from '../runtime/ops/group-reset.js';
import { opsConnectionConfig } from '../runtime/ops/ops-connection.js';
import { type ReplaySummary, replayRange } from '../runtime/ops/replay.js';
import { FileCheckpointStore } from '../runtime/ops/replay-checkpoint.js';
import { formatTime } from '../runtime/ops/time-spec.js';

export interface OpsCommandOptions {
  /** Environment for `TMBUS_*` settings. @default process.env */
  env?: NodeJS.ProcessEnv;
}

interface ReplayFlags {
  topic: string;
  from: string;
  to?: string;
  into?: string;
  group?: string;
  brokers?: string;
  batchSize: string;
  maxRecords?: string;
  maxRate?: string;
  replayId?: string;
  checkpointDir?: string;
  restart?: boolean;
  dryRun?: boolean;
  progress: boolean;
  json?: boolean;
}

const TIME_HELP = 'ISO-8601 (2024-05-01T09:30:00Z), relative (-15m, -2h, -1d) or epoch ms';

/**
 * The `replay` command.
 *
 * @example
 * program.addCommand(replayCommand());
 * // tmbus replay --topic tm.orders --from -2h --into tm.orders.replay
 */
export function replayCommand(options: OpsCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  return new Command('replay')
    .description('replay a time range of a topic into another topic, or reset a stopped group to its start')
    .requiredOption('--topic <topic>', 'source topic')
    .requiredOption('--from <time>', `start of the range, inclusive: ${TIME_HELP}`)
    .option('--to <time>', 'end of the range, exclusive (default: the end offsets when the replay starts)')
    .addOption(new Option('--into <topic>', 're-produce the records into this topic').conflicts('group'))
    .addOption(
      new Option('--group <group>', "reset this inactive group's offsets to --from").conflicts('into'),
    )
    .option('--brokers <list>', 'Kafka bootstrap servers  [env: TMBUS_KAFKA_BROKERS]')
    .option('--batch-size <n>', 'records per batch and checkpoint', '5000')
    .option('--max-records <n>', 'stop after this many records (resume later)')
    .option('--max-rate <n>', 'produce at most n records per second (spare the live traffic)')
    .option('--replay-id <id>', 'checkpoint name (default: derived from topic, from, to, into)')
    .option(
      '--checkpoint-dir <dir>',
      'checkpoint folder  [env: TMBUS_REPLAY_CHECKPOINT_DIR, default ~/.cache/tmbus/replay]',
    )
    .option('--restart', 'discard the checkpoint and replay the whole range again')
    .option('--dry-run', 'print the plan (offsets per partition) and change nothing')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: ReplayFlags, cmd: Command) => {
      if (!flags.into && !flags.group) cmd.error('pass --into <topic> or --group <group>', { exitCode: 2 });
      const connection = opsConnectionConfig({ brokers: flags.brokers }, env);
      const out = (text: string) => cmd.configureOutput().writeOut?.(text);
      if (flags.group) {
        if (flags.to)
          throw new ConfigError('--to applies to --into only: a reset group reads on from --from', {
            context: { configKey: 'to' },
          });
        const reset = await resetGroupToTime({
          connection,
          groupId: flags.group,
          topics: [flags.topic],
          from: flags.from,
          dryRun: flags.dryRun,
        });
        if (flags.json) return out(`${JSON.stringify(reset, null, 2)}\n`);
        out(
          `${reset.committed ? 'reset' : 'would reset (dry run)'} group ${reset.groupId} on ${flags.topic} to ${formatTime(reset.fromMs)}\n`,
        );
        out(
          table(
            ['PARTITION', 'PREVIOUS', 'NEW'],
            reset.partitions.map((p) => [p.partition, p.previous ?? '-', p.offset]),
          ),
        );
        return;
      }
      const controller = new AbortController();
      const onSigint = () => {
        if (controller.signal.aborted) process.exit(130);
        cmd
          .configureOutput()
          .writeErr?.('\nstopping after the batch in flight is acknowledged (Ctrl-C again to quit now)\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigint);
      const bar = flags.progress && !flags.json ? progressBar() : undefined;
      const checkpoints = new FileCheckpointStore(flags.checkpointDir ?? undefined);
      try {
        const summary = await replayRange({
          connection,
          topic: flags.topic,
          from: flags.from,
          to: flags.to,
          into: flags.into!,
          checkpoints,
          replayId: flags.replayId,
          restart: flags.restart,
          dryRun: flags.dryRun,
          signal: controller.signal,
          batchSize: positiveInt(flags.batchSize, 'batch-size'),
          maxRecords:
            flags.maxRecords === undefined ? undefined : positiveInt(flags.maxRecords, 'max-records'),
          maxRatePerSec: flags.maxRate === undefined ? undefined : positiveInt(flags.maxRate, 'max-rate'),
          onProgress: bar?.update,
        });
        bar?.stop();
        // 130 = ended by SIGINT, as shells report it; --max-records stops are a normal exit.
        if (controller.signal.aborted && !summary.completed) process.exitCode = 130;
        out(
          flags.json
            ? `${JSON.stringify(summary, null, 2)}\n`
            : describeReplay(summary, flags.dryRun, checkpoints.pathOf(summary.replayId)),
        );
      } finally {
        bar?.stop();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigint);
      }
    });
}

/** A records-done / records-total bar on stderr; started by the first progress report. */
function progressBar() {
  const bar = new cliProgress.SingleBar(
    {
      format: 'replay [{bar}] {percentage}% | {value}/{total} records | {rate} rec/s | eta {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let startedAt = 0;
  let startValue = 0;
  let stopped = false;
  return {
    update: ({ done, total }: { done: number; total: number }) => {
      if (!startedAt) {
        startedAt = Date.now();
        startValue = done;
        bar.start(total, done, { rate: 0 });
        return;
      }
      const seconds = (Date.now() - startedAt) / 1000;
      bar.update(done, { rate: seconds > 0 ? Math.round((done - startValue) / seconds) : 0 });
    },
    stop: () => {
      if (startedAt && !stopped) bar.stop();
      stopped = true;
    },
  };
}

function describeReplay(s: ReplaySummary, dryRun: boolean | undefined, checkpointPath: string): string {
  const range = `${formatTime(s.fromMs)} → ${s.toMs === null ? 'end offsets at start' : formatTime(s.toMs)}`;
  const head = dryRun
    ? 'plan (dry run)'
    : s.completed
      ? s.records === 0 && s.resumed
        ? 'already complete'
        : 'complete'
      : 'interrupted';
  const rows = s.partitions.map((p) => [
    p.partition,
    p.start,
    p.end,
    p.end - p.start,
    p.replayed,
    p.end - p.next,
  ]);
  const lines = [
    `replay ${s.replayId}: ${s.topic} → ${s.into}, ${range}: ${head}${s.resumed ? ' (resumed from checkpoint)' : ''}`,
    table(['PARTITION', 'START', 'END', 'IN RANGE', 'REPLAYED NOW', 'REMAINING'], rows).trimEnd(),
    `${s.records} record(s) in ${(s.durationMs / 1000).toFixed(2)} s (${Math.round(s.rate)} rec/s)`,
  ];
  if (!s.completed && !dryRun)
    lines.push(`run the same command again to resume (checkpoint ${checkpointPath})`);
  if (s.completed && s.resumed && s.records === 0) lines.push('pass --restart to replay the range again');
  return `${lines.join('\n')}\n`;
}

/** Left-aligned columns; shared by the ops commands' table output. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return `${cells
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`--${option} must be a positive integer, got '${value}'`, {
      context: { configKey: option },
    });
  }
  return n;
}
