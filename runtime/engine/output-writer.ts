// Where a runtime's writes go: every output, changelog and dead-letter record is handed to the
// producer here, attributed to the record being processed (its offset finishes only once they are
// all acknowledged), and remembered until settled, so a commit can wait for every delivery report
// that has not reached JS yet (node-rdkafka delivers them after flush() returns).

import type { Logger } from '../../core/logger.js';
import type { OutgoingRecord } from '../../core/record.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import type { TransportProducer } from '../transport/types.js';
import { Decision, type ErrorHandlers } from './error-handlers.js';

type Outgoing = OutgoingRecord<Buffer | null, Buffer | null>;

export interface OutputWriterOptions {
  producer: TransportProducer;
  production: NonNullable<ErrorHandlers['production']>;
  log: Logger;
  metrics?: RuntimeMetrics;
  /** Something was written (exactly-once: the transaction has content). */
  written: () => void;
  /** A write failed for good (production handler said FAIL); exactly-once recovers from it. */
  fail: (e: unknown) => void;
}

export class OutputWriter {
  private current?: Promise<unknown>[];
  /** Completion of every record and stray send not yet settled; commits wait for these. */
  private readonly unsettled = new Set<Promise<unknown>>();
  produced = 0;
  /**
   * Bumped by `reset` when a transaction is abandoned: what was written before belongs to the
   * aborted transaction, and its outcome must no longer finish records or fail the runtime.
   */
  epoch = 0;
  private resetWaiters: (() => void)[] = [];

  constructor(private readonly o: OutputWriterOptions) {}

  /** Sends one record; resolves on its delivery report (or when the production handler skips it). */
  send(record: Outgoing): Promise<unknown> {
    this.o.written();
    this.produced++;
    const sent = this.o.producer.send(record);
    const metrics = this.o.metrics;
    if (metrics)
      void sent.then(
        () => metrics.recordsOut.inc({ topic: record.topic }),
        () => undefined,
      );
    return sent.catch((e) => {
      // The producer already retried: RETRY here means FAIL (the record stays uncommitted).
      const decision = this.o.production(e, record);
      if (decision === Decision.FAIL || decision === Decision.RETRY) throw e;
      this.o.log.warn({ err: e, topic: record.topic }, 'output skipped after production error');
    });
  }

  /**
   * Runs `fn` with `sends` collecting the writes made meanwhile — the record's outputs and the
   * changelog writes its stages cause through `write`.
   */
  collecting<T>(sends: Promise<unknown>[], fn: () => T): T {
    this.current = sends;
    try {
      return fn();
    } finally {
      this.current = undefined;
    }
  }

  /** A write outside `collect` (punctuation, changelog) or inside it (attributed to the record). */
  write(record: Outgoing): Promise<unknown> {
    const p = this.send(record);
    const epoch = this.epoch;
    if (this.current) this.current.push(p);
    else this.settle(p.catch((e) => epoch === this.epoch && this.o.fail(e)));
    return p; // its delivery report: task checkpoints track changelog offsets from it
  }

  /** Disowns every write so far (exactly-once: its transaction is being aborted). */
  reset(): void {
    this.epoch++;
    this.unsettled.clear();
    const waiters = this.resetWaiters;
    this.resetWaiters = [];
    for (const w of waiters) w();
  }

  /** Remembers `p` until it settles. */
  settle(p: Promise<unknown>): void {
    this.unsettled.add(p);
    void p.finally(() => this.unsettled.delete(p));
  }

  /** Resolves once everything handed over so far has settled (and whatever settling started). */
  async settled(): Promise<void> {
    while (this.unsettled.size > 0) {
      // A reset disowns what is pending (a dead broker may hold it for minutes): stop waiting then.
      const reset = new Promise<void>((resolve) => this.resetWaiters.push(resolve));
      await Promise.race([Promise.allSettled([...this.unsettled]), reset]);
    }
  }
}
