// Where a task's wall-clock punctuation meets the commit protocol. Exactly-once, a punctuation
// writes (changelog records, outputs) only while a transaction is open, so it waits for a running
// commit and is dropped while the runtime recovers (the recovery re-arms timers from the restored
// stores). Outputs a stage emits on its own scheduler are written after a running commit too. Driven
// synchronously (the test driver), what a punctuation caused is processed at that moment of the clock.

import type { Logger } from '../../core/logger.js';
import type { OutgoingRecord } from '../../core/record.js';
import type { OutputWriter } from './output-writer.js';
import type { RecordStats } from './record-processor.js';

export interface PunctuationGateOptions {
  /** The commit running now, if any (exactly-once: nothing may be written meanwhile). */
  committing: () => Promise<void> | undefined;
  outputs: OutputWriter;
  log: Logger;
  stats: RecordStats;
  /** Stopping, failed or recovering: no punctuation may write. */
  closed: () => boolean;
  /** Driven synchronously: process what a punctuation caused now. */
  drainNow?: () => void;
  onError?: (error: unknown) => void;
}

export class PunctuationGate {
  constructor(private readonly o: PunctuationGateOptions) {}

  /** Exactly-once: runs a due punctuation once no commit runs. */
  inTransaction(fire: () => void): void {
    if (this.o.closed()) return;
    const committing = this.o.committing();
    if (committing) void committing.then(() => this.inTransaction(fire));
    else fire();
  }

  /** Writes what a punctuation emitted. */
  punctuated(outputs: OutgoingRecord<Buffer | null, Buffer | null>[], error?: unknown): void {
    this.o.stats.punctuations++;
    if (error) {
      this.o.log.warn({ err: error }, 'punctuation failed');
      this.o.onError?.(error);
    }
    const run = () => {
      for (const out of outputs) this.o.outputs.send(out);
    };
    const committing = this.o.committing();
    if (committing) void committing.then(run);
    else run();
    this.o.drainNow?.();
  }
}
