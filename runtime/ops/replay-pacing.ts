// Pacing of a replay: reading the next batch while the current one is produced (throughput), and
// an optional cap on the produce rate (so a replay does not crowd out live traffic on the target
// cluster). Both keep the replay's one guarantee: at most one batch is unacknowledged.

/**
 * Asks the reader for the next batch as soon as the current one is handed out, so reading batch
 * N+1 overlaps producing batch N. Only one batch is ever being produced: the checkpoint still
 * trails the acknowledged records by at most one batch.
 */
export async function* prefetching<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  // A prefetch may fail while the previous batch is being produced; mark it handled now (it is
  // rethrown by the `await` of the next round) so Node does not report an unhandled rejection.
  const ask = () => {
    const p = source.next();
    p.catch(() => undefined);
    return p;
  };
  let next = ask();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = ask();
      yield result.value;
    }
  } finally {
    // Let a read in progress finish, then close the reader (and its consumer).
    await next.catch(() => undefined);
    await source.return(undefined);
  }
}

/** Sleeps after each batch so the run's average rate stays at or under `perSec` (abortable). */
export function rateThrottle(perSec: number | undefined, signal: AbortSignal | undefined) {
  const started = Date.now();
  let sent = 0;
  return async (count: number): Promise<void> => {
    sent += count;
    if (!perSec) return;
    const wait = started + (sent * 1000) / perSec - Date.now();
    if (wait <= 0 || signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  };
}
