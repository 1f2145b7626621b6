// Messages between the orchestrator and the latency probe process (bench/probe.ts), over the
// child-process IPC channel.

import type { LaneSummaries } from './latency.js';

export interface ProbeConfig {
  brokers: string;
  /** Output topics to read from the beginning, with their partition counts. */
  topics: { topic: string; partitions: number }[];
  /** Sequence numbers [0, capacity) can be tracked. */
  seqCapacity: number;
}

export type ProbeCommand = { cmd: 'snapshot'; reset: boolean } | { cmd: 'stop' };

/** What the probe saw since the last reset. */
export interface ProbeSnapshot {
  /** Send → receive, per lane. */
  lanes: LaneSummaries;
  /** Send → the output's append at the broker (its LogAppendTime timestamp), per lane. */
  appended: LaneSummaries;
  /** Records received (duplicates included). */
  received: number;
  /** Records whose sequence number was new (to the whole session). */
  distinct: number;
  duplicates: number;
  /** Records without a usable sequence header. */
  unsequenced: number;
  perTopic: Record<string, number>;
  /** Epoch ms of the first and last receive (0 when nothing arrived). */
  firstReceiveAt: number;
  lastReceiveAt: number;
}

export type ProbeMessage =
  | { type: 'ready' }
  | { type: 'progress'; distinct: number; received: number }
  | { type: 'snapshot'; snapshot: ProbeSnapshot }
  | { type: 'error'; message: string };
