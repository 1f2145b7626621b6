// The one helper every stage operator is built with (RxJS's `operate` + operator subscriber, for
// topology stages). It gives each subscription its own handlers, so per-partition state lives in
// closures or injected stores and never in module globals; a throw in user code — in `next`, in a
// timer callback run through `guard`, or in `complete` — goes to the error channel as a
// `ProcessingError` naming the stage; and `finalize` (timers, listeners) always runs, whether the
// subscription ends by completion, error or unsubscribe.

import { context, trace } from '@opentelemetry/api';
import { Observable, type OperatorFunction } from 'rxjs';
import { type BusError, isBusError, ProcessingError } from '../core/errors.js';

/** What a stage's handlers use to talk downstream. */
export interface StageOutput<R> {
  /** The stage name errors carry, e.g. `FILTER-0000000003`. */
  readonly stage: string;
  /** Sends a value downstream (ignored once the subscription ended). */
  emit(value: R): void;
  /** Ends the subscription with an error naming the stage. */
  fail(error: unknown): void;
  /** Runs `fn` (a timer callback, a punctuation) so that a throw becomes `fail`. */
  guard(fn: () => void): void;
}

/** Per-subscription behaviour of a stage. */
export interface StageHandlers<T> {
  next(value: T): void;
  /** Upstream completed: flush what must be flushed. The stage completes afterwards. */
  complete?(): void;
  /** Always runs once when the subscription ends: cancel timers, drop listeners. */
  finalize?(): void;
}

/**
 * Wraps anything a stage threw into an error that names the stage. A `BusError` keeps its code
 * (a serializer's `SERDE_ENCODE` stays one) and gains the stage in its context if it had none.
 */
export function stageError(stage: string, error: unknown): BusError {
  if (isBusError(error)) {
    if (error.context.stage === undefined) error.context.stage = stage;
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ProcessingError(`user code threw: ${message}`, { cause: error, context: { stage } });
}

/**
 * Builds a stage operator. `init` runs once per subscription and returns the handlers.
 *
 * @example
 * export function peek<T>(stage: string, action: (value: T) => void): OperatorFunction<T, T> {
 *   return operate(stage, (out) => ({ next: (v) => { action(v); out.emit(v); } }));
 * }
 */
export function operate<T, R>(
  stage: string,
  init: (out: StageOutput<R>) => StageHandlers<T>,
): OperatorFunction<T, R> {
  return (source) => {
    const stream = new Observable<R>((destination) => {
      const out: StageOutput<R> = {
        stage,
        emit(value) {
          if (!destination.closed) destination.next(value);
        },
        fail(error) {
          if (!destination.closed) destination.error(stageError(stage, error));
        },
        guard(fn) {
          if (destination.closed) return;
          try {
            fn();
          } catch (error) {
            out.fail(error);
          }
        },
      };
      let handlers: StageHandlers<T>;
      try {
        handlers = init(out);
      } catch (error) {
        out.fail(error);
        return;
      }
      const upstream = source.subscribe({
        next(value) {
          if (destination.closed) return;
          // Traced records (the runtime made a span active for this record) get one span per
          // stage, nested along the pipeline; untraced ones pay one context lookup.
          const parent = trace.getActiveSpan();
          if (parent) return tracedNext(stage, () => handlers.next(value), out);
          try {
            handlers.next(value);
          } catch (error) {
            out.fail(error);
          }
        },
        error(error) {
          destination.error(error);
        },
        complete() {
          if (destination.closed) return;
          try {
            handlers.complete?.();
          } catch (error) {
            out.fail(error);
            return;
          }
          destination.complete();
        },
      });
      return () => {
        upstream.unsubscribe();
        handlers.finalize?.();
      };
    });
    // What a runner needs to call the stage's handlers directly, without RxJS (fusableStage).
    (stream as FusableStream)[FUSABLE] = { source, stage, init: init as FusableStage['init'] };
    return stream;
  };
}

const FUSABLE = Symbol('tmbus.fusable-stage');

/** A stage built with `operate`: its input stream, name and handler factory. */
export interface FusableStage {
  readonly source: Observable<unknown>;
  readonly stage: string;
  readonly init: (out: StageOutput<unknown>) => StageHandlers<unknown>;
}

type FusableStream = Observable<unknown> & { [FUSABLE]?: FusableStage };

/**
 * The stage behind `stream` when it is exactly `source.pipe(operate(…))`, else undefined. A task
 * runs a sub-topology made only of such stages as direct calls (topology/fused.ts), the same
 * handlers RxJS would call, without a Subscriber chain per record.
 */
export function fusableStage(stream: Observable<unknown>): FusableStage | undefined {
  return (stream as FusableStream)[FUSABLE];
}

/**
 * Hands `value` to a stage's `next` the way the RxJS path does: traced when a span is active (the
 * caller looked once per record: `traced`), a throw becomes `fail`. No closure is made for the
 * untraced call (it runs once per stage per record).
 */
export function callStage<T>(
  stage: string,
  out: StageOutput<unknown>,
  handlers: StageHandlers<T>,
  value: T,
  traced: boolean,
): void {
  if (traced) {
    tracedNext(stage, () => handlers.next(value), out);
    return;
  }
  try {
    handlers.next(value);
  } catch (error) {
    out.fail(error);
  }
}

const STAGE_TRACER = '@trademaster/event-bus/stages';

function tracedNext(stage: string, next: () => void, out: StageOutput<unknown>): void {
  const span = trace.getTracer(STAGE_TRACER).startSpan(stage, { attributes: { 'tm.stage': stage } });
  try {
    context.with(trace.setSpan(context.active(), span), next);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: 2 });
    out.fail(error);
  } finally {
    span.end();
  }
}
