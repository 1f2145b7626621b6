// Where an interrupted replay resumes from. A checkpoint holds the replay's plan (the offset range
// of every partition, fixed when the replay first started, so a re-run neither misses records nor
// picks up ones produced since) and the next offset to replay per partition. It is written only
// after the records before that offset were acknowledged by the target topic, so a re-run repeats
// at most the one batch that was in flight when the replay stopped.
//
// Stored as a small JSON file per replay id (`~/.cache/tmbus/replay/<id>.json` by default),
// replaced atomically (write + rename) so a kill mid-write leaves the previous checkpoint intact.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { PartitionRange } from './range-reader.js';

/** What a replay checkpoint records. */
export interface ReplayCheckpoint {
  version: 1;
  replayId: string;
  topic: string;
  into: string;
  /** Range bounds as resolved on the first run, epoch ms (`to` null: up to the end offsets then). */
  fromMs: number;
  toMs: number | null;
  createdAt: string;
  updatedAt: string;
  /** The per-partition offset ranges of the replay. */
  plan: PartitionRange[];
  /** Next offset to replay per partition number (absent: the range's start). */
  next: Record<string, number>;
}

/** Persists checkpoints by replay id. */
export interface ReplayCheckpointStore {
  load(replayId: string): Promise<ReplayCheckpoint | undefined>;
  save(checkpoint: ReplayCheckpoint): Promise<void>;
  remove(replayId: string): Promise<void>;
}

/**
 * The replay id: the same source topic, time arguments and target give the same id, so running
 * the same command again resumes. Relative times (`-15m`) enter as typed, absolute ones as their
 * instant (so `2024-05-01T00:00:00Z` and its epoch ms are one replay).
 */
export function replayIdOf(parts: {
  topic: string;
  from: string;
  to: string | undefined;
  into: string;
}): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([parts.topic, parts.from, parts.to ?? null, parts.into]))
    .digest('hex')
    .slice(0, 16);
  const readable = `${parts.topic}-to-${parts.into}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return `${readable}-${digest}`;
}

/** Default checkpoint folder: `$TMBUS_REPLAY_CHECKPOINT_DIR`, else `$XDG_CACHE_HOME/tmbus/replay`, else `~/.cache/tmbus/replay`. */
export function defaultCheckpointDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TMBUS_REPLAY_CHECKPOINT_DIR) return env.TMBUS_REPLAY_CHECKPOINT_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tmbus', 'replay');
}

/** Checkpoints as JSON files in one folder. */
export class FileCheckpointStore implements ReplayCheckpointStore {
  /** @param dir folder of the checkpoint files @default defaultCheckpointDir() */
  constructor(readonly dir: string = defaultCheckpointDir()) {}

  pathOf(replayId: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(replayId)) {
      throw new ConfigError(`invalid replay id '${replayId}': letters, digits, '.', '_' and '-' only`, {
        context: { configKey: 'replayId' },
      });
    }
    return join(this.dir, `${replayId}.json`);
  }

  async load(replayId: string): Promise<ReplayCheckpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.pathOf(replayId), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const parsed = JSON.parse(text) as ReplayCheckpoint;
    if (parsed.version !== 1 || parsed.replayId !== replayId || !Array.isArray(parsed.plan)) {
      throw new ConfigError(`checkpoint ${this.pathOf(replayId)} is not a tmbus replay checkpoint`, {
        context: { configKey: 'replayId' },
      });
    }
    return parsed;
  }

  async save(checkpoint: ReplayCheckpoint): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(checkpoint.replayId);
    const temp = `${path}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(checkpoint, null, 2)}\n`);
    await rename(temp, path);
  }

  async remove(replayId: string): Promise<void> {
    await rm(this.pathOf(replayId), { force: true });
  }
}

/** Offsets still to replay per partition: the plan minus what the checkpoint says is done. */
export function remainingRanges(checkpoint: ReplayCheckpoint): PartitionRange[] {
  return checkpoint.plan.map((r) => ({
    ...r,
    start: Math.min(r.end, Math.max(r.start, checkpoint.next[String(r.partition)] ?? r.start)),
  }));
}
