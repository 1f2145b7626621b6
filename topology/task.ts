// The task: one partition of one sub-topology. When every stage is a plain `operate` stage it runs
// them as direct calls (fused.ts: no Subscriber chain per record); otherwise it wires them into an
// RxJS pipeline fed by one Subject per source. `process()` deserializes a record, pushes it through
// synchronously and returns what the sinks emitted meanwhile. Timers set by stages on the task's
// clock are punctuations: what they emit goes to `onPunctuate` listeners. A stage error ends its
// pipeline (RxJS error semantics), so after a failure the task re-wires a fresh pipeline from the
// same stores — state survives, timers are re-armed from the stores — and reports the error.

import { type Observable, Subject, type Subscription, share, tap } from 'rxjs';
import type { Clock } from '../core/clock.js';
import { BusError, isBusError } from '../core/errors.js';
import type { RecordContext, Serde } from '../core/record.js';
import { stageError } from '../processors/operate.js';
import type { StreamRecord } from '../processors/record.js';
import { type FusedGraph, fuse } from './fused.js';
import type { GraphNode, InstantiateContext } from './graph/node.js';
import { SinkNode } from './graph/sinkNode.js';
import type { SourceNode } from './graph/sourceNode.js';
import type {
  ProcessResult,
  PunctuateListener,
  RawOutgoingRecord,
  RawRecord,
  StageError,
  Task,
  TaskContext,
} from './plan.js';

/** What a task needs of its sub-topology. */
export interface TaskBlueprint {
  readonly applicationId: string;
  /** Nodes in creation order (parents before children). */
  readonly nodes: readonly GraphNode[];
  /** Source node of each (resolved) topic. */
  readonly sources: ReadonlyMap<string, SourceNode>;
}

/** A serde that may need an async step before `deserialize` (the Avro serde). */
interface PreparableSerde {
  prepare?(bytes: Buffer, ctx?: RecordContext): Promise<void>;
  isPrepared?(bytes: Buffer): boolean;
}

export class PipelineTask implements Task {
  readonly taskId: string;
  private readonly listeners: PunctuateListener[] = [];
  private readonly clock: Clock;
  /** Where a deserialized record of each topic goes: the fused graph's input, or an RxJS Subject. */
  private feeds = new Map<string, (record: StreamRecord<unknown, unknown>) => void>();
  private subjects = new Map<string, Subject<StreamRecord<unknown, unknown>>>();
  private subscriptions: Subscription[] = [];
  private fused: FusedGraph | undefined;
  private collecting: RawOutgoingRecord[] | null = null;
  private failure: StageError | undefined;
  /** A stage failed outside `process()` and punctuation (while wiring, or asynchronously). */
  private broken: StageError | undefined;
  private wiring = false;
  private closed = false;

  constructor(
    private readonly blueprint: TaskBlueprint,
    private readonly ctx: TaskContext,
  ) {
    this.taskId = ctx.taskId;
    const inner = ctx.clock;
    this.clock = {
      now: () => inner.now(),
      setTimeout: (fn, ms) => inner.setTimeout(() => this.punctuate(fn), ms),
      clearTimeout: (handle) => inner.clearTimeout(handle),
    };
    this.wire();
  }

  prepare(record: RawRecord): Promise<void> | undefined {
    const source = this.blueprint.sources.get(record.topic);
    if (!source) return undefined;
    // Called for every record: no closure or array unless a serde has work to do.
    const key = needsPrepare(source.options.keySerde, record.key);
    const value = needsPrepare(source.options.valueSerde, record.value);
    if (!key && !value) return undefined;
    const ctx = { topic: record.topic, partition: record.partition, offset: record.offset };
    const pending: Promise<void>[] = [];
    if (key) pending.push(key.prepare(record.key!, ctx));
    if (value) pending.push(value.prepare(record.value!, ctx));
    return Promise.all(pending).then(() => undefined);
  }

  process(record: RawRecord): ProcessResult {
    const where = { topic: record.topic, partition: record.partition, offset: record.offset };
    const source = this.blueprint.sources.get(record.topic);
    if (this.closed || !source || !this.feeds.has(record.topic)) {
      const why = this.closed ? 'is closed' : `has no source for topic '${record.topic}'`;
      return {
        outputs: [],
        error: withContext(new BusError('PROCESSING_FAILED', `task ${this.taskId} ${why}`), where),
      };
    }
    let input: StreamRecord<unknown, unknown>;
    try {
      input = {
        key:
          record.key === null
            ? null
            : (source.options.keySerde as Serde<unknown>).deserialize(record.key, where),
        value:
          record.value === null
            ? null
            : (source.options.valueSerde as Serde<unknown>).deserialize(record.value, where),
        timestamp: record.timestamp,
        headers: record.headers,
        origin: where,
      };
    } catch (e) {
      return { outputs: [], error: withContext(stageError(source.name, e) as StageError, where) };
    }
    if (input.value === null && !source.options.table) return { outputs: [] };
    if (this.broken) {
      this.broken = undefined;
      this.unwire();
      this.wire();
      if (this.broken) return { outputs: [], error: withContext(this.broken, where) };
    }
    const feed = this.feeds.get(record.topic)!;
    return this.run(feed, input, where);
  }

  onPunctuate(listener: PunctuateListener): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.closed = true;
    this.unwire();
  }

  /** Runs `push` collecting sink outputs and the first stage error; re-wires after an error. */
  private run<T>(
    push: (arg: T) => void,
    arg: T,
    where?: { topic: string; partition: number; offset: number },
  ): ProcessResult {
    const outer = this.collecting;
    const outerFailure = this.failure;
    this.collecting = [];
    this.failure = undefined;
    try {
      push(arg);
    } catch (e) {
      this.fail(e);
    }
    const outputs = this.collecting;
    const error = this.failure;
    this.collecting = outer;
    this.failure = outerFailure;
    if (!error) return { outputs };
    if (where) withContext(error, where);
    this.unwire();
    if (!this.closed) this.wire();
    return { outputs, error };
  }

  private punctuate(fn: () => void): void {
    if (this.closed) return;
    if (this.collecting !== null) {
      fn(); // fired while processing: its outputs belong to the current record
      return;
    }
    const { outputs, error } = this.run(fn, undefined);
    if (outputs.length === 0 && !error) return;
    for (const listener of this.listeners) listener(outputs, error);
  }

  private fail(e: unknown): void {
    const error = (isBusError(e) ? e : stageError('unknown', e)) as StageError;
    if (this.collecting !== null) {
      this.failure ??= error;
      return;
    }
    this.broken ??= error;
    if (!this.wiring) for (const listener of this.listeners) listener([], error);
  }

  private emit(output: RawOutgoingRecord): void {
    if (this.collecting !== null) {
      this.collecting.push(output);
      return;
    }
    // Emitted asynchronously (a `pipe` operator on its own scheduler): deliver like a punctuation.
    for (const listener of this.listeners) listener([output]);
  }

  private wire(): void {
    const ictx: InstantiateContext = {
      applicationId: this.blueprint.applicationId,
      stores: this.ctx.stores,
      clock: this.clock,
    };
    this.wiring = true;
    try {
      this.fused = fuse(this.blueprint, ictx, {
        output: (value) => this.emit(value as RawOutgoingRecord),
        fail: (e) => this.fail(e),
        count: this.ctx.onStageOutput,
      });
    } catch (e) {
      this.fail(e);
    } finally {
      this.wiring = false;
    }
    if (this.fused) {
      this.feeds = new Map(this.fused.inputs);
      return;
    }
    if (this.broken) return;
    this.wireRx(ictx);
  }

  /** The sub-topology as an RxJS pipeline: one Subject per source, `share` where a stream forks. */
  private wireRx(ictx: InstantiateContext): void {
    const streams = new Map<GraphNode, Observable<unknown>>();
    const subjects = new Map<string, Subject<StreamRecord<unknown, unknown>>>();
    const subjectOf = new Map<GraphNode, Subject<StreamRecord<unknown, unknown>>>();
    for (const [topic, node] of this.blueprint.sources) {
      const subject = subjectOf.get(node) ?? new Subject<StreamRecord<unknown, unknown>>();
      subjectOf.set(node, subject);
      subjects.set(topic, subject);
    }
    this.subjects = subjects;
    this.feeds = new Map([...subjects].map(([topic, subject]) => [topic, (r) => subject.next(r)]));
    const subscriptions: Subscription[] = [];
    this.subscriptions = subscriptions;
    this.wiring = true;
    try {
      for (const node of this.blueprint.nodes) {
        const inputs =
          node.role === 'source'
            ? [subjectOf.get(node) as Observable<unknown>]
            : node.parents.map((p) => streams.get(p) as Observable<unknown>);
        let stream = node.instantiate(inputs, ictx);
        const count = this.ctx.onStageOutput;
        if (count) stream = stream.pipe(tap(() => count(node.name)));
        if (node.children.length > 1) stream = stream.pipe(share());
        streams.set(node, stream);
      }
      for (const node of this.blueprint.nodes) {
        if (node.children.length > 0) continue;
        const isSink = node instanceof SinkNode;
        subscriptions.push(
          (streams.get(node) as Observable<unknown>).subscribe({
            next: (value) => {
              if (isSink) this.emit(value as RawOutgoingRecord);
            },
            error: (e) => this.fail(e),
          }),
        );
      }
    } catch (e) {
      this.fail(e);
    } finally {
      this.wiring = false;
    }
  }

  private unwire(): void {
    const fused = this.fused;
    this.fused = undefined;
    fused?.close();
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const s of subscriptions) s.unsubscribe();
    for (const subject of this.subjects.values()) subject.complete();
  }
}

/** The serde when it must fetch something before it can deserialize `bytes`. */
function needsPrepare(
  serde: Serde<unknown> | undefined,
  bytes: Buffer | null,
): Required<Pick<PreparableSerde, 'prepare'>> | undefined {
  const s = serde as (Serde<unknown> & PreparableSerde) | undefined;
  if (bytes === null || typeof s?.prepare !== 'function' || s.isPrepared?.(bytes) === true) return undefined;
  return s as Required<Pick<PreparableSerde, 'prepare'>>;
}

function withContext(
  error: BusError,
  where: { topic: string; partition: number; offset: number },
): StageError {
  error.context.topic ??= where.topic;
  error.context.partition ??= where.partition;
  error.context.offset ??= where.offset;
  return error as StageError;
}
