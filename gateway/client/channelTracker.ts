// Per-channel bookkeeping of the SDK: the cursor (next offset per lane partition), duplicate
// suppression, gap detection through the `prev` link, and the replay→live handover. Pure logic,
// no sockets, so the exactly-once/in-order rules are unit-tested on their own.
//
// Why the client dedupes: after a failover the new owner of a partition re-reads from the last
// committed offset, and a resumed channel receives both replayed records and live ones for the same
// offsets. Kafka positions make both cases trivially recognisable here.

import { isConflatable } from './channels.js';
import { type ChannelCursor, cursorKey, type Delivery } from './protocol.js';

/** What to do with an incoming delivery. */
export type Verdict = 'deliver' | 'duplicate' | 'gap' | 'held';

export class ChannelTracker {
  private readonly cursor = new Map<string, number>();
  private held: Delivery[] = [];
  private resumingFlag = false;
  /** Market data: gaps are expected (conflation), so they never trigger a resume. */
  readonly conflatable: boolean;

  constructor(
    readonly channel: string,
    initial: ChannelCursor = {},
  ) {
    this.conflatable = isConflatable(channel);
    this.advanceTo(initial);
  }

  /** True while a resume is in flight: live deliveries are held until it completes. */
  get resuming(): boolean {
    return this.resumingFlag;
  }

  /** The cursor to send on resume. */
  snapshot(): ChannelCursor {
    return Object.fromEntries(this.cursor);
  }

  /** Moves the cursor forward to `other` where it is ahead (never backwards). */
  advanceTo(other: ChannelCursor): void {
    for (const [key, next] of Object.entries(other)) {
      if (!Number.isSafeInteger(next)) continue;
      const mine = this.cursor.get(key);
      if (mine === undefined || next > mine) this.cursor.set(key, next);
    }
  }

  /**
   * A live delivery. `deliver`: hand it to the application (the cursor moved past it).
   * `duplicate`: already seen. `gap`: an earlier record of this channel was missed; the caller
   * resumes, and the delivery is held until then. `held`: a resume is in flight.
   */
  offerLive(d: Delivery): Verdict {
    if (this.resumingFlag) {
      this.held.push(d);
      return 'held';
    }
    const verdict = this.check(d, true);
    if (verdict === 'gap') {
      this.beginResume();
      this.held.push(d);
    }
    return verdict;
  }

  /** A replayed delivery: authoritative order from Kafka, only duplicates are dropped. */
  offerReplayed(d: Delivery): Verdict {
    return this.check(d, false);
  }

  /** Marks the channel as resuming; returns false if it already was. */
  beginResume(): boolean {
    if (this.resumingFlag) return false;
    this.resumingFlag = true;
    return true;
  }

  /**
   * Ends a resume: the cursor moves to the gateway's end positions (everything before them was
   * replayed or belongs to other channels), then the held live deliveries are re-checked in
   * arrival order. Returns the ones to hand to the application; a new gap among them restarts the
   * resume (returned `gap: true`).
   */
  completeResume(endCursor: ChannelCursor | undefined): { deliveries: Delivery[]; gap: boolean } {
    this.resumingFlag = false;
    if (endCursor) this.advanceTo(endCursor);
    const held = this.held;
    this.held = [];
    const out: Delivery[] = [];
    for (let i = 0; i < held.length; i++) {
      const d = held[i]!;
      const verdict = this.check(d, true);
      if (verdict === 'deliver') out.push(d);
      else if (verdict === 'gap') {
        this.resumingFlag = true;
        this.held = held.slice(i);
        return { deliveries: out, gap: true };
      }
    }
    return { deliveries: out, gap: false };
  }

  /** Forgets held deliveries (the connection dropped; the next resume replays them from Kafka). */
  abortResume(): void {
    this.resumingFlag = false;
    this.held = [];
  }

  private check(d: Delivery, detectGaps: boolean): Verdict {
    const key = cursorKey(d.position.topic, d.position.partition);
    const next = this.cursor.get(key);
    if (next !== undefined && d.position.offset < next) return 'duplicate';
    // prev ≥ next: the record at `prev` belongs to this channel and never reached us.
    if (detectGaps && !this.conflatable && next !== undefined && d.prev >= next) return 'gap';
    this.cursor.set(key, d.position.offset + 1);
    return 'deliver';
  }
}
