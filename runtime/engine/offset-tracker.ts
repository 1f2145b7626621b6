// Which offset of a partition is safe to commit. A record finishes once its outputs are handed to
// the writer (whose barrier a commit waits at) — or later, when it is held for a retry or its
// writer schema; conflated records finish together — so the committable offset is the lowest
// offset still unfinished, or one past the highest finished when nothing is pending.

/** The topic and partition of a partition key (`topic:partition`, as the runtime keys partitions). */
export function partitionOfKey(partitionKey: string): { topic: string; partition: number } {
  const i = partitionKey.lastIndexOf(':');
  return { topic: partitionKey.slice(0, i), partition: Number(partitionKey.slice(i + 1)) };
}

export class OffsetTracker {
  /** Unfinished offsets per partition key, in arrival (= offset) order. */
  private readonly pending = new Map<string, Set<number>>();
  private readonly highestFinished = new Map<string, number>();
  private readonly lastCommitted = new Map<string, number>();

  /** A record was taken from Kafka and is not finished yet. */
  begin(partitionKey: string, offset: number): void {
    let set = this.pending.get(partitionKey);
    if (!set) {
      set = new Set();
      this.pending.set(partitionKey, set);
    }
    set.add(offset);
  }

  /**
   * A record's outputs are acknowledged (or it was dead-lettered / skipped by decision). A record
   * that is no longer pending — abandoned, or of a partition forgotten since (revoked while its
   * outputs were in flight) — changes nothing: its partition's next owner reads it again, and a
   * late finish must not make a revoked partition committable here.
   */
  finish(partitionKey: string, offset: number): void {
    if (!this.pending.get(partitionKey)?.delete(offset)) return;
    const high = this.highestFinished.get(partitionKey);
    if (high === undefined || offset > high) this.highestFinished.set(partitionKey, offset);
  }

  /** The offset to commit (next record to read) if it moved since the last `markCommitted`. */
  committable(partitionKey: string): number | undefined {
    const set = this.pending.get(partitionKey);
    let next: number | undefined;
    if (set && set.size > 0) {
      // Sets iterate in insertion order and offsets arrive ascending: the first is the lowest.
      next = set.values().next().value as number;
    } else {
      const high = this.highestFinished.get(partitionKey);
      if (high !== undefined) next = high + 1;
    }
    if (next === undefined || next === this.lastCommitted.get(partitionKey)) return undefined;
    return next;
  }

  /** `offset` of a partition still tracked here is past its last commit. */
  ahead(partitionKey: string, offset: number): boolean {
    if (!this.pending.has(partitionKey) && !this.highestFinished.has(partitionKey)) return false;
    const last = this.lastCommitted.get(partitionKey);
    return last === undefined || offset > last;
  }

  markCommitted(partitionKey: string, offset: number): void {
    this.lastCommitted.set(partitionKey, offset);
  }

  /** Records that will not finish here (they are read again): they no longer hold commits back. */
  abandon(partitionKey: string, offsets: Iterable<number>): void {
    const set = this.pending.get(partitionKey);
    if (set) for (const offset of offsets) set.delete(offset);
  }

  /** Unfinished records of a partition. */
  inFlight(partitionKey: string): number {
    return this.pending.get(partitionKey)?.size ?? 0;
  }

  /** Forgets a partition (revoked). */
  forget(partitionKey: string): void {
    this.pending.delete(partitionKey);
    this.highestFinished.delete(partitionKey);
    this.lastCommitted.delete(partitionKey);
  }

  partitions(): string[] {
    return [...new Set([...this.pending.keys(), ...this.highestFinished.keys()])];
  }
}
