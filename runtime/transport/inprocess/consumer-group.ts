// Consumer groups of the in-process broker: members subscribe to topics, the group spreads the
// partitions of those topics over its members (round-robin, rebalanced when a member joins or
// leaves or a topic appears), and each member polls its partitions from the group's committed
// offsets (earliest when none). Polls return records in production order across partitions.

import type { BrokerRecord, InProcessBroker } from './broker.js';

/** A partition of a topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

const tpKey = (tp: TopicPartition) => `${tp.topic}\u0000${tp.partition}`;

/** The members of one group and who owns which partition. */
export class ConsumerGroup {
  readonly members: InProcessConsumer[] = [];

  constructor(
    readonly groupId: string,
    private readonly broker: InProcessBroker,
  ) {}

  join(member: InProcessConsumer): void {
    if (!this.members.includes(member)) this.members.push(member);
    this.rebalance();
  }

  leave(member: InProcessConsumer): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    this.rebalance();
  }

  /** Recomputes every member's assignment (round-robin over sorted partitions). */
  rebalance(): void {
    const assignment = new Map<InProcessConsumer, TopicPartition[]>(this.members.map((m) => [m, []]));
    const topics = [...new Set(this.members.flatMap((m) => m.subscription))].sort();
    for (const topic of topics) {
      if (!this.broker.hasTopic(topic)) continue;
      const candidates = this.members.filter((m) => m.subscription.includes(topic));
      for (let p = 0; p < this.broker.partitionCount(topic); p++) {
        assignment.get(candidates[p % candidates.length] as InProcessConsumer)?.push({ topic, partition: p });
      }
    }
    for (const [member, partitions] of assignment) member.assign(partitions);
  }
}

/**
 * One member of a consumer group.
 *
 * @example
 * const consumer = broker.consumer('tm-gateway');
 * consumer.onRecords(() => drain());
 * consumer.subscribe(LANE_TOPICS);
 * function drain() { for (const r of consumer.poll()) deliver(r); consumer.commit(); }
 */
export class InProcessConsumer {
  private static nextId = 0;
  readonly memberId: string;
  subscription: readonly string[] = [];
  private readonly positions = new Map<string, { tp: TopicPartition; offset: number }>();
  private readonly recordListeners = new Set<() => void>();
  private readonly assignmentListeners = new Set<
    (assigned: TopicPartition[], revoked: TopicPartition[]) => void
  >();
  private readonly stopListening: () => void;
  private readonly paused = new Set<string>();
  private closed = false;

  constructor(
    private readonly group: ConsumerGroup,
    private readonly broker: InProcessBroker,
  ) {
    this.memberId = `${group.groupId}-${InProcessConsumer.nextId++}`;
    this.stopListening = broker.onAppend((record) => {
      if (!this.positions.has(tpKey(record))) return;
      for (const listener of this.recordListeners) listener();
    });
  }

  /** Joins the group for these topics (replacing any earlier subscription). */
  subscribe(topics: readonly string[]): void {
    this.subscription = [...new Set(topics)];
    this.group.join(this);
  }

  /** Partitions currently assigned to this member. */
  assignment(): TopicPartition[] {
    return [...this.positions.values()].map((p) => p.tp);
  }

  /** @internal called by the group on rebalance */
  assign(partitions: readonly TopicPartition[]): void {
    const next = new Set(partitions.map(tpKey));
    const revoked = [...this.positions.values()].filter((p) => !next.has(tpKey(p.tp))).map((p) => p.tp);
    for (const tp of revoked) {
      this.positions.delete(tpKey(tp));
      this.paused.delete(tpKey(tp));
    }
    const assigned: TopicPartition[] = [];
    for (const tp of partitions) {
      if (this.positions.has(tpKey(tp))) continue;
      const offset = this.broker.committed(this.group.groupId, tp.topic, tp.partition) ?? 0;
      this.positions.set(tpKey(tp), { tp, offset });
      assigned.push(tp);
    }
    if (assigned.length + revoked.length === 0) return;
    for (const listener of this.assignmentListeners) listener(assigned, revoked);
  }

  /**
   * Up to `max` records from the assigned partitions that are not paused, in production order;
   * advances positions.
   */
  poll(max = 500): BrokerRecord[] {
    if (this.closed) return [];
    const pending: BrokerRecord[] = [];
    for (const [key, p] of this.positions) {
      if (this.paused.size > 0 && this.paused.has(key)) continue;
      const fetched = this.broker.fetch(p.tp.topic, p.tp.partition, p.offset, max);
      for (const r of fetched) pending.push(r);
    }
    if (pending.length === 0) return pending;
    const batch = pending.sort((a, b) => a.sequence - b.sequence).slice(0, max);
    for (const r of batch) {
      const position = this.positions.get(tpKey(r));
      if (position) position.offset = r.offset + 1;
    }
    return batch;
  }

  /** The next offset this member will read from a partition. */
  position(topic: string, partition: number): number | undefined {
    return this.positions.get(tpKey({ topic, partition }))?.offset;
  }

  /** Stops fetching these partitions until resumed. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) if (this.positions.has(tpKey(tp))) this.paused.add(tpKey(tp));
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.paused.delete(tpKey(tp));
  }

  /** Moves the position of an assigned partition. */
  seek(topic: string, partition: number, offset: number): void {
    const position = this.positions.get(tpKey({ topic, partition }));
    if (position) position.offset = offset;
  }

  /** Commits the current positions (what has been polled) for the group. */
  commit(): void {
    for (const { tp, offset } of this.positions.values())
      this.broker.commit(this.group.groupId, tp.topic, tp.partition, offset);
  }

  /** Called (synchronously) after each append to an assigned partition. */
  onRecords(listener: () => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  /** Called after each rebalance that changed this member's assignment. */
  onAssignment(listener: (assigned: TopicPartition[], revoked: TopicPartition[]) => void): () => void {
    this.assignmentListeners.add(listener);
    return () => this.assignmentListeners.delete(listener);
  }

  /** Leaves the group (its partitions move to the other members); uncommitted progress is lost. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    this.group.leave(this);
    this.positions.clear();
  }
}
