// librdkafka calls that outlived their JavaScript guard. node-rdkafka runs blocking calls
// (transactions, disconnect) on libuv's thread pool; one stuck there keeps its thread, and at exit
// libuv joins every pool thread, so `process.exit` would wait for a call that may never return
// (seen: a `sendOffsetsToTransaction` stuck for minutes after a broker was SIGKILLed). The runtime
// has already replaced such a client; this count lets the process exit without joining it.
// `nativeCall` is the guarded call itself.

import { kafkaError } from './kafka-errors.js';

let stuck = 0;

/** Counts a native call as stuck until the returned function is called (its late answer). */
export function markNativeCallStuck(): () => void {
  stuck++;
  let answered = false;
  return () => {
    if (answered) return;
    answered = true;
    stuck--;
  };
}

/** Native calls abandoned by their guard that have not answered yet. */
export function stuckNativeCalls(): number {
  return stuck;
}

/**
 * One native call as a promise. `guardMs` bounds it from JS: a transactional call given a 30 s
 * timeout was seen not to return for minutes after a broker was killed (sendOffsetsToTransaction,
 * librdkafka 2.12), holding the exactly-once commit gate and so all processing. Past the guard it
 * fails as fatal (`transactionErrorKind`), so the runtime re-creates the producer — the new one
 * fences the stuck one — instead of waiting. A late answer is ignored.
 */
export function nativeCall(
  code: 'KAFKA_PRODUCE' | 'KAFKA_TRANSACTION',
  what: string,
  fn: (cb: (err: unknown) => void) => void,
  guardMs?: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let answered: (() => void) | undefined;
    const guard =
      guardMs === undefined
        ? undefined
        : setTimeout(() => {
            answered = markNativeCallStuck();
            const stuck = { isFatal: true, message: `no answer from librdkafka within ${guardMs} ms` };
            reject(kafkaError(code, `${what} did not return`, stuck));
          }, guardMs);
    fn((err) => {
      answered?.();
      if (guard) clearTimeout(guard);
      if (err) reject(kafkaError(code, `${what} failed`, err));
      else resolve();
    });
  });
}
