// How `BusProducer.flush` waits until every record handed to librdkafka so far is acknowledged or
// reported failed. Both end with a failure's report polled (queued for this thread), and report
// running out of time as librdkafka's ERR__TIMED_OUT (retriable), so callers can tell it from a
// broken client.

import type Kafka from 'node-rdkafka';
import { queuedIn } from './native-batch.js';

const ERR_TIMED_OUT = -185;
const TIMED_OUT = { code: ERR_TIMED_OUT, isRetriable: true, message: 'Local: Timed out' };

export interface BarrierOptions {
  native: Kafka.Producer;
  /** Epoch ms after which the barrier gives up (ERR__TIMED_OUT). */
  deadline: number;
  /** False once the producer was re-initialised: the barrier on the old client ends, timed out. */
  current: () => boolean;
}

/**
 * With the native addon: serve the reports, then read what librdkafka still holds (records not yet
 * acknowledged, reports not yet polled), on this thread, every millisecond until nothing is left.
 * A threadpool `flush` per millisecond (below) cost ~3% of the main thread in a burst.
 */
export function drainQueued({ native, deadline, current }: BarrierOptions, cb: (err: unknown) => void): void {
  const check = () => {
    try {
      native.poll();
      if (queuedIn(native) === 0) return cb(undefined);
    } catch (err) {
      return cb(err); // disconnected meanwhile
    }
    if (Date.now() >= deadline || !current()) return cb(TIMED_OUT);
    setTimeout(check, 1);
  };
  check();
}

/**
 * For a producer whose reports the addon counts: `served()` serves them and says how many records
 * are still unreported; every millisecond until none is. No poll or flush of the client (they
 * would take the reports from the addon).
 */
export function drainCounted(
  { deadline, current }: BarrierOptions,
  served: () => number,
  cb: (err: unknown) => void,
): void {
  const check = () => {
    if (served() <= 0) return cb(undefined);
    if (Date.now() >= deadline || !current()) return cb(TIMED_OUT);
    setTimeout(check, 1);
  };
  check();
}

/**
 * Without the addon: librdkafka's flush() in the threadpool, in slices of `sliceMs`. flush() waits
 * for its report queue in polls of 10 ms; with reports only for errors no report arrives to end a
 * poll early, so one flush took at least 10 ms however soon the broker answered (10.4 ms on average
 * at 10,000 events/s, every commit). Flushes of 1 ms, again until done, see the acknowledgement
 * within about 1 ms.
 */
export function flushInSlices(
  { native, deadline, current }: BarrierOptions,
  sliceMs: number,
  cb: (err: unknown) => void,
): void {
  const attempt = () =>
    native.flush(Math.max(0, Math.min(sliceMs, deadline - Date.now())), (err) => {
      // node-rdkafka reports a flush that ran out of time as a plain error (code -1, "Local: Timed out").
      const message = err ? String(err.message ?? err) : '';
      const late = Boolean(err) && /timed out/i.test(message);
      if (late && Date.now() < deadline && current()) attempt();
      else cb(late ? { ...TIMED_OUT, message } : err);
    });
  attempt();
}
