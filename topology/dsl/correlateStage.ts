// `KStream.correlate`: re-keys events by correlation id and repartitions them (so every event of a
// chain meets in one task, whatever topic and key it came with), then links them into chains in a
// key-value store named after the stage. Chains close on the completion rule or on wall-clock
// inactivity (the task's clock).

import type { Observable } from 'rxjs';
import { TopologyError } from '../../core/errors.js';
import type { Serde } from '../../core/record.js';
import { type CorrelatedChain, correlate } from '../../processors/correlate.js';
import type { StreamRecord } from '../../processors/record.js';
import { selectKey } from '../../processors/selectKey.js';
import { jsonSerde } from '../../processors/stores/jsonSerde.js';
import { ProcessorNode } from '../graph/processorNode.js';
import { validateName } from '../names.js';
import { stringSerde } from '../serdes.js';
import { internals, type StreamShape } from './internals.js';
import { KStream } from './kstream.js';
import type { Named } from './options.js';
import { repartition } from './repartition.js';

/** Options of `KStream.correlate`. */
export interface CorrelateStageOptions<V> extends Named {
  /**
   * Wall-clock ms without a new event after which an open chain is emitted as `timedOut`.
   * @example 30_000
   */
  readonly inactivityTimeoutMs: number;
  /** Whether a chain (events so far, in arrival order) is complete; it is then emitted as `completed`. */
  readonly complete: (events: readonly V[]) => boolean;
  /**
   * The correlation id of an event; events without one are dropped.
   * @default value.header.correlationId
   */
  readonly correlationId?: (value: V) => string | null | undefined;
  /** @default `<stage name>-store` */
  readonly store?: string;
  /**
   * Re-key by correlation id and repartition first. Set false only if records are already keyed by
   * correlation id on co-partitioned topics.
   * @default true
   */
  readonly repartition?: boolean;
  /** Serde of the emitted chains. @default JSON */
  readonly valueSerde?: Serde<CorrelatedChain<V>>;
}

function headerCorrelationId(value: unknown): string | undefined {
  const id = (value as { header?: { correlationId?: unknown } } | null)?.header?.correlationId;
  return typeof id === 'string' ? id : undefined;
}

export function correlateStage<K, V>(
  stream: KStream<K, V>,
  options: CorrelateStageOptions<V>,
): KStream<string, CorrelatedChain<V>> {
  const { state } = stream[internals];
  const name = state.names.next('CORRELATE', options.name, 'correlate');
  const timeout = options.inactivityTimeoutMs;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new TopologyError(
      `correlate ${name}: inactivityTimeoutMs must be a positive number of ms, got ${timeout}`,
    );
  }
  const idOf = options.correlationId ?? (headerCorrelationId as (value: V) => string | undefined);
  const storeName =
    options.store === undefined ? `${name}-store` : validateName(options.store, `store of ${name}`);

  let shape = stream[internals].shape as StreamShape<unknown, V>;
  if (options.repartition !== false) {
    const keySelect = `${name}-key-select`;
    const keyed = state.add(
      new ProcessorNode(state.nodeId(), keySelect, [shape.node], (inputs) =>
        (inputs[0] as Observable<StreamRecord<K, V>>).pipe(selectKey(keySelect, (v: V) => idOf(v) ?? null)),
      ),
    );
    shape = repartition(
      state,
      { ...shape, node: keyed, keySerde: stringSerde(), keyChangedAt: undefined, repartitionRequired: true },
      name,
      {},
      'correlate()',
    );
  }
  const node = state.add(
    new ProcessorNode(
      state.nodeId(),
      name,
      [shape.node],
      (inputs, ctx) =>
        (inputs[0] as Observable<StreamRecord<unknown, V>>).pipe(
          correlate(name, {
            store: ctx.stores.getKeyValueStore(storeName),
            clock: ctx.clock,
            correlationIdOf: (v) => idOf(v),
            isComplete: options.complete,
            inactivityTimeoutMs: timeout,
          }),
        ),
      {
        stores: [
          {
            name: storeName,
            kind: 'keyValue',
            keySerde: stringSerde() as Serde<unknown>,
            valueSerde: jsonSerde(),
          },
        ],
      },
    ),
  );
  return new KStream<string, CorrelatedChain<V>>(state, {
    node,
    keySerde: stringSerde(),
    valueSerde: options.valueSerde ?? jsonSerde<CorrelatedChain<V>>('json<CorrelatedChain>'),
    repartitionRequired: false,
  });
}
