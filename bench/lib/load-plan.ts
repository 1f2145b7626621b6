// The contract between the orchestrator and the load generator process (bench/load/producer.ts).

import type { MixEntry } from '../runtime/mix.js';

/** Header carrying the load generator's unique sequence number (decimal). Outputs keep headers. */
export const SEQ_HEADER = 'bench-seq';

/**
 * Header carrying the epoch ms the load generator sent the event (the input's create time). Output
 * topics keep the broker's append time as their timestamp, so the probe can tell the pipeline's
 * span (sent → output appended) from its own read (appended → received).
 */
export const SENT_HEADER = 'bench-sent';

export interface LoadStream {
  mix: readonly MixEntry[];
  /** Events/s, 0 = as fast as possible (a burst). */
  rate: number;
  count: number;
  /** Start this long after the first stream, ms. @default 0 */
  delayMs?: number;
}

export interface LoadPlan {
  run: string;
  /** First sequence number; the probe tracks [seqBase, seqBase + sent). */
  seqBase: number;
  streams: LoadStream[];
}

export interface LoadReport {
  /** Epoch ms of the first send. */
  startedAt: number;
  /** Epoch ms when the last record was handed to the client. */
  producedAt: number;
  /** Epoch ms when every record was acknowledged. */
  flushedAt: number;
  seqBase: number;
  sent: number;
  /** Records the bench topology writes for what was sent (VOLUME_UPDATE is filtered out). */
  expectedOutputs: number;
  streams: { sent: number; expectedOutputs: number; achievedRate: number }[];
}
