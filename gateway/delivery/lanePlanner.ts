// Priority between lanes inside the gateway's one consumer: within a batch records are handled
// lane by lane (CRITICAL first, order per partition kept), and when a lane shows a backlog the
// lanes below it are paused so the broker fetches the urgent partitions only. Aging bounds every
// pause, so a sustained CRITICAL flood slows lower lanes down but never starves them. Pure logic
// (the clock is passed in), driven by the lane consumer.

import { PRIORITIES, type Priority, priorityRank } from '../../schemas/catalog.js';

export interface LanePlannerOptions {
  /** Records of one lane in one batch that count as a backlog. */
  preemptThreshold: number;
  /** Longest continuous pause of a lane, ms. */
  maxPauseMs: number;
}

export interface PauseDecision {
  pause: Priority[];
  resume: Priority[];
}

export class LanePlanner {
  /** Lane → since when it is paused. */
  private readonly pausedSince = new Map<Priority, number>();
  /** Lane → until when it may not be paused again (it just aged out of a pause). */
  private readonly runUntil = new Map<Priority, number>();

  constructor(private readonly options: LanePlannerOptions) {}

  /** Records sorted by lane, highest first; the sort is stable so partition order is kept. */
  order<R extends { priority: Priority }>(records: R[]): R[] {
    return records
      .map((r, i) => ({ r, i, rank: priorityRank(r.priority) }))
      .sort((a, b) => a.rank - b.rank || a.i - b.i)
      .map((x) => x.r);
  }

  /** Lanes currently paused. */
  paused(): Priority[] {
    return PRIORITIES.filter((p) => this.pausedSince.has(p));
  }

  /**
   * Looks at how many records of each lane the last batch held and decides which lanes to pause
   * or resume. Call after every batch, and on idle polls with zero counts (so pauses age out).
   */
  observe(counts: Partial<Record<Priority, number>>, now: number): PauseDecision {
    const hot = PRIORITIES.find((p) => (counts[p] ?? 0) >= this.options.preemptThreshold);
    const hotRank = hot === undefined ? PRIORITIES.length : priorityRank(hot);
    const decision: PauseDecision = { pause: [], resume: [] };
    for (const lane of PRIORITIES) {
      const since = this.pausedSince.get(lane);
      const shouldPause = priorityRank(lane) > hotRank;
      if (since !== undefined) {
        const aged = now - since >= this.options.maxPauseMs;
        if (!shouldPause || aged) {
          this.pausedSince.delete(lane);
          // Aged out: let it run for a quarter of the pause before it can be paused again.
          if (aged && shouldPause) this.runUntil.set(lane, now + Math.max(1, this.options.maxPauseMs / 4));
          decision.resume.push(lane);
        }
      } else if (shouldPause && (this.runUntil.get(lane) ?? 0) <= now) {
        this.pausedSince.set(lane, now);
        decision.pause.push(lane);
      }
    }
    return decision;
  }

  /** Forgets every pause (e.g. the consumer was suspended as a whole). */
  reset(): Priority[] {
    const was = this.paused();
    this.pausedSince.clear();
    this.runUntil.clear();
    return was;
  }
}
