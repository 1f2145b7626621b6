// Decides which record the runtime processes next. Records wait in per-partition FIFO queues (so
// per-partition order holds); among the queues, the one whose head travels on the most urgent lane
// wins — CRITICAL before HIGH before STANDARD before BACKGROUND — except that waiting ages a head
// up one lane per `agingMs`, so no lane starves: HIGH, STANDARD and BACKGROUND heads age against
// each other, but none ever passes a CRITICAL head (aging past it let a backlog of old market data
// hold a fresh risk alert for as long as the backlog was, minus 200 ms — 340 ms on average in a
// burst of 100,000). CRITICAL records are rare; only CRITICAL alone saturating the runtime could
// hold the other lanes. Each lane may also cap its in-flight records.
// Optional conflation keeps only the latest queued value per key (market data when behind).

import { PRIORITIES, type Priority, priorityRank } from '../../schemas/catalog.js';

export interface ScheduledItem<T> {
  readonly queue: string;
  readonly priority: Priority;
  readonly enqueuedAt: number;
  /** The record(s) this item stands for; more than one when conflated. */
  readonly values: T[];
  /** Key under which later items may replace this one while it waits, when conflation applies. */
  readonly conflationKey?: string;
}

export interface PriorityLaneSchedulerOptions {
  /** Waiting time that promotes a head by one lane. @default 200 */
  agingMs?: number;
  /** Most items of a lane handed out and not yet released. @default Infinity for every lane */
  inFlightLimits?: Partial<Record<Priority, number>>;
  /** Queue length past which conflatable items are conflated. @default 1000 */
  conflateAbove?: number;
}

interface Queue<T> {
  /** Waiting items from `head` on; those before it were handed out (cleared). */
  items: (ScheduledItem<T> | undefined)[];
  head: number;
  byConflationKey: Map<string, ScheduledItem<T>>;
  /** The lane whose list this queue is on (its head's lane), or -1 when empty or handed out. */
  lane: number;
  /** Neighbours on that lane's list, in order of arrival of their heads. */
  prev: Queue<T> | undefined;
  next: Queue<T> | undefined;
}

/** Queues whose head is on one lane, oldest head first: a list through the queues themselves. */
interface Lane<T> {
  first: Queue<T> | undefined;
  last: Queue<T> | undefined;
}

export class PriorityLaneScheduler<T> {
  private readonly queues = new Map<string, Queue<T>>();
  /** Per lane: queues whose current head is on that lane, in order of arrival of that head. */
  private readonly lanes: Lane<T>[] = PRIORITIES.map(() => ({ first: undefined, last: undefined }));
  private readonly inFlight = PRIORITIES.map(() => 0);
  private readonly limits: number[];
  private readonly agingMs: number;
  private readonly conflateAbove: number;
  private size = 0;

  constructor(options: PriorityLaneSchedulerOptions = {}) {
    this.agingMs = options.agingMs ?? 200;
    this.conflateAbove = options.conflateAbove ?? 1000;
    this.limits = PRIORITIES.map((p) => options.inFlightLimits?.[p] ?? Number.POSITIVE_INFINITY);
  }

  /** Queues a record; returns false when it was conflated into an item already waiting. */
  enqueue(queue: string, value: T, priority: Priority, now: number, conflationKey?: string): boolean {
    let q = this.queues.get(queue);
    if (!q) {
      q = {
        items: [],
        head: 0,
        byConflationKey: new Map(),
        lane: -1,
        prev: undefined,
        next: undefined,
      };
      this.queues.set(queue, q);
    }
    if (conflationKey !== undefined && q.items.length - q.head >= this.conflateAbove) {
      const waiting = q.byConflationKey.get(conflationKey);
      if (waiting) {
        waiting.values.push(value);
        return false;
      }
    }
    const item: ScheduledItem<T> = { queue, priority, enqueuedAt: now, values: [value], conflationKey };
    q.items.push(item);
    if (conflationKey !== undefined) q.byConflationKey.set(conflationKey, item);
    this.size++;
    if (q.items.length - q.head === 1) this.join(q, priorityRank(priority));
    return true;
  }

  /** The next item to process, or undefined when nothing is eligible. */
  next(now: number): ScheduledItem<T> | undefined {
    let bestScore = Number.POSITIVE_INFINITY;
    let bestQueue: Queue<T> | undefined;
    for (let lane = 0; lane < this.lanes.length; lane++) {
      const q = this.lanes[lane]!.first;
      if (q === undefined || this.inFlight[lane]! >= this.limits[lane]!) continue;
      const head = q.items[q.head]!;
      const score =
        lane === 0 ? Number.NEGATIVE_INFINITY : lane - Math.floor((now - head.enqueuedAt) / this.agingMs);
      if (score < bestScore) {
        bestScore = score;
        bestQueue = q;
      }
    }
    if (!bestQueue) return undefined;
    const bestLane = bestQueue.lane;
    const item = bestQueue.items[bestQueue.head]!;
    this.leave(bestQueue);
    // Not kept until the array is cut: a burst's processed records (their values, headers and
    // outputs' inputs) would live through every scavenge until then.
    bestQueue.items[bestQueue.head] = undefined;
    bestQueue.head++;
    this.size--;
    if (item.conflationKey !== undefined && bestQueue.byConflationKey.get(item.conflationKey) === item) {
      bestQueue.byConflationKey.delete(item.conflationKey);
    }
    if (bestQueue.head === bestQueue.items.length) {
      bestQueue.items = [];
      bestQueue.head = 0;
    } else {
      if (bestQueue.head > 1024 && bestQueue.head * 2 > bestQueue.items.length) {
        bestQueue.items = bestQueue.items.slice(bestQueue.head);
        bestQueue.head = 0;
      }
      this.join(bestQueue, priorityRank(bestQueue.items[bestQueue.head]!.priority));
    }
    this.inFlight[bestLane]!++;
    return item;
  }

  /** Puts `q` last on `lane`'s list (its head is now on that lane). */
  private join(q: Queue<T>, lane: number): void {
    const l = this.lanes[lane]!;
    q.lane = lane;
    q.prev = l.last;
    q.next = undefined;
    if (l.last) l.last.next = q;
    else l.first = q;
    l.last = q;
  }

  /** Takes `q` off its lane's list, if on one. */
  private leave(q: Queue<T>): void {
    if (q.lane < 0) return;
    const l = this.lanes[q.lane]!;
    if (q.prev) q.prev.next = q.next;
    else l.first = q.next;
    if (q.next) q.next.prev = q.prev;
    else l.last = q.prev;
    q.lane = -1;
    q.prev = undefined;
    q.next = undefined;
  }

  /** Marks an item handed out by `next` as finished, freeing its lane's in-flight slot. */
  release(item: ScheduledItem<T>): void {
    this.inFlight[priorityRank(item.priority)]!--;
  }

  /** Drops a queue's waiting items (partition revoked) and returns them. */
  drop(queue: string): ScheduledItem<T>[] {
    const q = this.queues.get(queue);
    if (!q) return [];
    const waiting = q.items.slice(q.head) as ScheduledItem<T>[];
    this.queues.delete(queue);
    this.leave(q);
    this.size -= waiting.length;
    return waiting;
  }

  /** Items waiting in one queue. */
  depth(queue: string): number {
    const q = this.queues.get(queue);
    return q ? q.items.length - q.head : 0;
  }

  /** Queues whose waiting head is on a lane below CRITICAL (what a backlog is made of). */
  *queuesBelowCritical(): Iterable<string> {
    for (const [name, q] of this.queues)
      if (q.items.length > q.head && q.items[q.head]!.priority !== 'CRITICAL') yield name;
  }

  /** Items waiting in all queues. */
  get pending(): number {
    return this.size;
  }

  /** In-flight items per lane. */
  inFlightOf(priority: Priority): number {
    return this.inFlight[priorityRank(priority)]!;
  }
}
