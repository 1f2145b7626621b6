// A librdkafka call stuck on libuv's thread pool makes `process.exit` hang (libuv joins its pool
// threads at exit). The stand-in for the stuck call here is an fs.open of a FIFO nobody writes,
// which blocks a pool thread the same way.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'tmbus-exit-'));
const fifo = join(dir, 'never-written');
execFileSync('mkfifo', [fifo]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const root = join(import.meta.dirname, '../../..');

function run(
  markStuck: boolean,
  code: number,
  killAfterMs: number,
): Promise<{ code: number | null; signal: string | null }> {
  const script = `
    import { open } from 'node:fs';
    import { markNativeCallStuck } from ${JSON.stringify(join(root, 'runtime/kafka/stuck-native-calls.ts'))};
    import { exitProcess } from ${JSON.stringify(join(root, 'runtime/engine/signals.ts'))};
    open(${JSON.stringify(fifo)}, 'r', () => {});
    ${markStuck ? 'markNativeCallStuck();' : ''}
    setTimeout(() => exitProcess(${code}), 100);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: 'ignore',
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', (c, signal) => {
      clearTimeout(timer);
      resolve({ code: c, signal });
    });
  });
}

describe('exitProcess', () => {
  it('exits with the intended status while a stuck call holds a thread-pool thread', async () => {
    expect(await run(true, 3, 12_000)).toEqual({ code: 3, signal: null });
  }, 15_000);

  it('is needed: without it the same process does not exit (killed by the test)', async () => {
    expect(await run(false, 3, 5_000)).toEqual({ code: null, signal: 'SIGKILL' });
  }, 15_000);
});
