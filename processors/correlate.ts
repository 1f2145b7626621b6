// `correlate`: links events sharing a correlation id into chains (ORDER_PLACED → ORDER_FILLED →
// POSITION_UPDATE → …, SPEC §4.2). An open chain lives in a key-value store keyed by correlation
// id, so it survives restarts through the changelog. A chain is emitted when the completion rule
// says so, or when no event arrived for `inactivityTimeoutMs` of WALL-CLOCK time — a timer on the
// injected clock, so a chain closes even if the stream goes quiet.
//
// Every open chain's deadline is `lastActivityAt + timeout` with the same timeout, so deadlines
// kept in a Map re-inserted on activity stay sorted; one timer, armed for the first, is enough.

import type { OperatorFunction } from 'rxjs';
import type { Clock, TimerHandle } from '../core/clock.js';
import { operate } from './operate.js';
import type { StreamRecord } from './record.js';
import type { KeyValueStore } from './stores/types.js';

/** A chain still collecting events, as stored. */
export interface OpenChain<V> {
  readonly correlationId: string;
  readonly events: V[];
  /** Wall-clock ms of the first and of the latest event. */
  readonly startedAt: number;
  readonly lastActivityAt: number;
}

/** A closed chain, as emitted (keyed by its correlation id). */
export interface CorrelatedChain<V> {
  readonly correlationId: string;
  /** Events in arrival order. */
  readonly events: readonly V[];
  /** `completed`: the completion rule held; `timedOut`: closed by inactivity. */
  readonly status: 'completed' | 'timedOut';
  readonly startedAt: number;
  readonly closedAt: number;
}

export interface CorrelateOptions<K, V> {
  readonly store: KeyValueStore<string, OpenChain<V>>;
  readonly clock: Clock;
  /** The correlation id of an event; records without one are skipped. */
  readonly correlationIdOf: (value: V, key: K) => string | null | undefined;
  /** Whether the chain (events so far, including the new one) is complete. */
  readonly isComplete: (events: readonly V[]) => boolean;
  /** Wall-clock ms without a new event after which an open chain is emitted as `timedOut`. */
  readonly inactivityTimeoutMs: number;
}

/**
 * Correlates events into chains.
 *
 * @example
 * events$.pipe(correlate('CORRELATE-0000000005', {
 *   store, clock, inactivityTimeoutMs: 30_000,
 *   correlationIdOf: (e) => e.header.correlationId,
 *   isComplete: (events) => events.some((e) => e.header.eventType === 'PNL_CHANGE'),
 * }))
 */
export function correlate<K, V>(
  stage: string,
  options: CorrelateOptions<K, V>,
): OperatorFunction<StreamRecord<K, V>, StreamRecord<string, CorrelatedChain<V>>> {
  const { store, clock, correlationIdOf, isComplete, inactivityTimeoutMs } = options;

  return operate(stage, (out) => {
    const deadlines = new Map<string, number>();
    let timer: TimerHandle | undefined;
    let armedFor: number | undefined;

    const arm = () => {
      const first = deadlines.values().next();
      const at = first.done ? undefined : first.value;
      if (at === armedFor) return;
      if (timer) clock.clearTimeout(timer);
      timer = undefined;
      armedFor = at;
      if (at !== undefined) timer = clock.setTimeout(() => out.guard(expire), Math.max(0, at - clock.now()));
    };

    const expire = () => {
      timer = undefined;
      armedFor = undefined;
      const now = clock.now();
      for (const [id, at] of deadlines) {
        if (at > now) break;
        deadlines.delete(id);
        const chain = store.get(id);
        if (!chain) continue;
        store.delete(id);
        out.emit({
          key: id,
          value: {
            correlationId: id,
            events: chain.events,
            status: 'timedOut',
            startedAt: chain.startedAt,
            closedAt: now,
          },
          timestamp: now,
          headers: {},
        });
      }
      arm();
    };

    // Chains restored from the changelog (or kept across a pipeline restart) time out as usual.
    for (const { key, value } of store
      .all()
      .sort((a, b) => a.value.lastActivityAt - b.value.lastActivityAt)) {
      deadlines.set(key, value.lastActivityAt + inactivityTimeoutMs);
    }
    arm();

    return {
      next(record) {
        const id = correlationIdOf(record.value, record.key);
        if (id === null || id === undefined || id === '') return;
        const now = clock.now();
        const open = store.get(id);
        const events = [...(open?.events ?? []), record.value];
        deadlines.delete(id);
        if (isComplete(events)) {
          if (open) store.delete(id);
          arm();
          out.emit({
            key: id,
            value: {
              correlationId: id,
              events,
              status: 'completed',
              startedAt: open?.startedAt ?? now,
              closedAt: now,
            },
            timestamp: record.timestamp,
            headers: record.headers,
          });
          return;
        }
        store.put(id, { correlationId: id, events, startedAt: open?.startedAt ?? now, lastActivityAt: now });
        deadlines.set(id, now + inactivityTimeoutMs);
        arm();
      },
      finalize() {
        if (timer) clock.clearTimeout(timer);
        timer = undefined;
      },
    };
  });
}
