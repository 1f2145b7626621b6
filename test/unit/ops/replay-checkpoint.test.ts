// Replay checkpoints: ids stable across equivalent arguments, atomic JSON files, remaining ranges.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultCheckpointDir,
  FileCheckpointStore,
  type ReplayCheckpoint,
  remainingRanges,
  replayIdOf,
} from '../../../runtime/ops/replay-checkpoint.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tmbus-cp-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const checkpoint = (next: Record<string, number> = {}): ReplayCheckpoint => ({
  version: 1,
  replayId: 'tm.orders-to-copy-0123456789abcdef',
  topic: 'tm.orders',
  into: 'copy',
  fromMs: 1,
  toMs: null,
  createdAt: '2024-05-01T00:00:00.000Z',
  updatedAt: '2024-05-01T00:00:00.000Z',
  plan: [
    { topic: 'tm.orders', partition: 0, start: 10, end: 20 },
    { topic: 'tm.orders', partition: 1, start: 5, end: 5 },
    { topic: 'tm.orders', partition: 2, start: 0, end: 100 },
  ],
  next,
});

describe('replayIdOf', () => {
  it('is stable for the same arguments and differs when any of them changes', () => {
    const a = replayIdOf({ topic: 'tm.orders', from: '1000', to: undefined, into: 'copy' });
    expect(replayIdOf({ topic: 'tm.orders', from: '1000', to: undefined, into: 'copy' })).toBe(a);
    expect(replayIdOf({ topic: 'tm.orders', from: '1001', to: undefined, into: 'copy' })).not.toBe(a);
    expect(replayIdOf({ topic: 'tm.orders', from: '1000', to: '2000', into: 'copy' })).not.toBe(a);
    expect(replayIdOf({ topic: 'tm.orders', from: '1000', to: undefined, into: 'other' })).not.toBe(a);
    expect(a).toMatch(/^tm\.orders-to-copy-[0-9a-f]{16}$/);
  });

  it('makes a file-safe id from any topic name', () => {
    expect(replayIdOf({ topic: 'a/b c', from: '-1h', to: undefined, into: 'x:y' })).toMatch(
      /^[A-Za-z0-9._-]+$/,
    );
  });
});

describe('FileCheckpointStore', () => {
  it('round-trips a checkpoint and leaves no temporary file behind', async () => {
    const store = new FileCheckpointStore(join(dir, 'nested'));
    expect(await store.load('tm.orders-to-copy-0123456789abcdef')).toBeUndefined();
    await store.save(checkpoint({ 0: 15 }));
    expect(await store.load('tm.orders-to-copy-0123456789abcdef')).toEqual(checkpoint({ 0: 15 }));
    expect(await readdir(join(dir, 'nested'))).toEqual(['tm.orders-to-copy-0123456789abcdef.json']);
    await store.remove('tm.orders-to-copy-0123456789abcdef');
    expect(await store.load('tm.orders-to-copy-0123456789abcdef')).toBeUndefined();
  });

  it('refuses ids that could escape the folder, and files that are not checkpoints', async () => {
    const store = new FileCheckpointStore(dir);
    expect(() => store.pathOf('../etc/passwd')).toThrow(/invalid replay id/);
    await writeFile(join(dir, 'x.json'), JSON.stringify({ hello: 'world' }));
    await expect(store.load('x')).rejects.toThrow(/not a tmbus replay checkpoint/);
  });

  it('writes readable JSON (operators inspect and delete checkpoints by hand)', async () => {
    const store = new FileCheckpointStore(dir);
    await store.save(checkpoint());
    const text = await readFile(store.pathOf(checkpoint().replayId), 'utf8');
    expect(text).toContain('\n  "plan": [');
  });
});

describe('remainingRanges', () => {
  it('starts each partition at its checkpoint, clamped to the plan', () => {
    expect(remainingRanges(checkpoint({ 0: 15, 2: 500 })).map((r) => [r.start, r.end])).toEqual([
      [15, 20],
      [5, 5],
      [100, 100],
    ]);
    expect(remainingRanges(checkpoint({ 0: 3 }))[0]!.start).toBe(10);
  });
});

describe('defaultCheckpointDir', () => {
  it('prefers TMBUS_REPLAY_CHECKPOINT_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(defaultCheckpointDir({ TMBUS_REPLAY_CHECKPOINT_DIR: '/x' })).toBe('/x');
    expect(defaultCheckpointDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/tmbus/replay');
    expect(defaultCheckpointDir({})).toMatch(/\.cache\/tmbus\/replay$/);
  });
});
