// Which offset of a partition is safe to commit. A record finishes once its outputs are handed to
// the writer (whose barrier a commit waits at) — or later, when it is held for a retry or its
// writer schema; conflated records finish together — so the committable offset is the lowest
// offset still unfinished, or one past the highest finished when nothing is pending.

/** The topic and partition of a partition key (`topic:partition`, as the runtime keys partitions). */
export function partitionOfKey(partitionKey: string): { topic: string; partition: number } {
  const i = partitionKey.lastIndexOf(':');
  return { topic: partitionKey.slice(0, i), partition: Number(partitionKey.slice(i + 1)) };
}

const PENDING = 0;
const FINISHED = 1;
const ABANDONED = 2;

/**
 * One partition's begun offsets in arrival (= ascending) order, with a state each; `head` is the
 * first that is still pending. Records finish mostly in order, so a finish is usually the head and
 * otherwise a binary search: no hashing per record.
 */
class PartitionOffsets {
  offsets: number[] = [];
  states: number[] = [];
  head = 0;
  pending = 0;
  highestFinished: number | undefined;

  begin(offset: number): void {
    const n = this.offsets.length;
    if (n > this.head && offset <= this.offsets[n - 1]!) {
      this.insert(offset); // read again from an earlier offset (rare)
      return;
    }
    this.offsets.push(offset);
    this.states.push(PENDING);
    this.pending++;
  }

  /** Moves `offset` from pending to `state`; false if it was not pending. */
  settle(offset: number, state: number): boolean {
    const i = this.indexOf(offset);
    if (i < 0 || this.states[i] !== PENDING) return false;
    this.states[i] = state;
    this.pending--;
    if (i === this.head) this.advance();
    return true;
  }

  lowestPending(): number | undefined {
    return this.head < this.offsets.length ? this.offsets[this.head] : undefined;
  }

  private indexOf(offset: number): number {
    const offsets = this.offsets;
    if (offsets[this.head] === offset) return this.head;
    let lo = this.head;
    let hi = offsets.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = offsets[mid]!;
      if (at === offset) return mid;
      if (at < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private advance(): void {
    const { offsets, states } = this;
    let head = this.head;
    while (head < offsets.length && states[head] !== PENDING) head++;
    if (head === offsets.length) {
      offsets.length = 0;
      states.length = 0;
      head = 0;
    } else if (head > 4096 && head * 2 > offsets.length) {
      offsets.splice(0, head);
      states.splice(0, head);
      head = 0;
    }
    this.head = head;
  }

  private insert(offset: number): void {
    // Keep only what is pending, then put `offset` in its place (an offset already pending stays one).
    const kept: number[] = [];
    for (let i = this.head; i < this.offsets.length; i++)
      if (this.states[i] === PENDING) kept.push(this.offsets[i]!);
    let at = kept.findIndex((o) => o >= offset);
    if (at < 0) at = kept.length;
    if (kept[at] !== offset) kept.splice(at, 0, offset);
    this.offsets = kept;
    this.states = kept.map(() => PENDING);
    this.head = 0;
    this.pending = kept.length;
  }
}

export class OffsetTracker {
  /** Begun offsets per partition key. */
  private readonly tracked = new Map<string, PartitionOffsets>();
  private readonly lastCommitted = new Map<string, number>();

  /** A record was taken from Kafka and is not finished yet. */
  begin(partitionKey: string, offset: number): void {
    let p = this.tracked.get(partitionKey);
    if (!p) {
      p = new PartitionOffsets();
      this.tracked.set(partitionKey, p);
    }
    p.begin(offset);
  }

  /**
   * A record's outputs are acknowledged (or it was dead-lettered / skipped by decision). A record
   * that is no longer pending — abandoned, or of a partition forgotten since (revoked while its
   * outputs were in flight) — changes nothing: its partition's next owner reads it again, and a
   * late finish must not make a revoked partition committable here.
   */
  finish(partitionKey: string, offset: number): void {
    const p = this.tracked.get(partitionKey);
    if (!p?.settle(offset, FINISHED)) return;
    if (p.highestFinished === undefined || offset > p.highestFinished) p.highestFinished = offset;
  }

  /** The offset to commit (next record to read) if it moved since the last `markCommitted`. */
  committable(partitionKey: string): number | undefined {
    const p = this.tracked.get(partitionKey);
    if (!p) return undefined;
    let next = p.lowestPending();
    if (next === undefined && p.highestFinished !== undefined) next = p.highestFinished + 1;
    if (next === undefined || next === this.lastCommitted.get(partitionKey)) return undefined;
    return next;
  }

  /** `offset` of a partition still tracked here is past its last commit. */
  ahead(partitionKey: string, offset: number): boolean {
    if (!this.tracked.has(partitionKey)) return false;
    const last = this.lastCommitted.get(partitionKey);
    return last === undefined || offset > last;
  }

  markCommitted(partitionKey: string, offset: number): void {
    this.lastCommitted.set(partitionKey, offset);
  }

  /** Records that will not finish here (they are read again): they no longer hold commits back. */
  abandon(partitionKey: string, offsets: Iterable<number>): void {
    const p = this.tracked.get(partitionKey);
    if (p) for (const offset of offsets) p.settle(offset, ABANDONED);
  }

  /** Unfinished records of a partition. */
  inFlight(partitionKey: string): number {
    return this.tracked.get(partitionKey)?.pending ?? 0;
  }

  /** Forgets a partition (revoked). */
  forget(partitionKey: string): void {
    this.tracked.delete(partitionKey);
    this.lastCommitted.delete(partitionKey);
  }

  partitions(): string[] {
    return [...this.tracked.keys()];
  }
}
