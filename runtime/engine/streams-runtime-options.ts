// Options of a StreamsRuntime: what to run, where, with which guarantee, and the tuning of its
// lanes, backpressure, commits, failure policy and retries.

import type { Tracer } from '@opentelemetry/api';
import type { Clock } from '../../core/clock.js';
import type { ConnectionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { Priority } from '../../schemas/catalog.js';
import type { TopologyPlan } from '../../topology/plan.js';
import type { LibrdkafkaConfig } from '../kafka/librdkafka-config.js';
import type { TopicSpec } from '../kafka/topics.js';
import type { PriorityLaneSchedulerOptions } from '../lanes/priority-lane-scheduler.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import type { Transport, TransportRecord } from '../transport/types.js';
import type { ProcessingGuarantee } from './commit-coordinator.js';
import type { ErrorHandlers } from './error-handlers.js';
import type { RuntimeRetryOptions } from './record-retry.js';
import type { StoreProviderFactory } from './task-manager.js';

export interface StreamsRuntimeOptions {
  /** The Kafka cluster to run on (the default transport's). Required unless `transport` is given. */
  connection?: ConnectionConfig;
  /**
   * What the runtime consumes from and produces to: `kafkaTransport(connection)` or an
   * `InProcessTransport` (the zero-setup demo, the test driver). @default kafkaTransport(connection)
   */
  transport?: Transport;
  /**
   * The lane a record travels on (tables always go first). @default the TradeMaster catalog's
   * `tm-priority` header, STANDARD when absent
   */
  priorityOf?: (record: TransportRecord) => Priority;
  plan: TopologyPlan;
  /** @default "at_least_once" */
  guarantee?: ProcessingGuarantee;
  /** Distinguishes instances of one application in client ids. @default random */
  instanceId?: string;
  /** External topics to create or verify before starting (sources, sinks). */
  topics?: readonly TopicSpec[];
  /** Partitions of sink topics that do not exist and are not declared. @default 3 */
  defaultPartitions?: number;
  /** @default 1 */
  replicationFactor?: number;
  /** @default `${applicationId}-dlq` */
  deadLetterTopic?: string;
  /** Per-record failure policy (see `Decision`). @default retriable → RETRY, else DEAD_LETTER; production → FAIL */
  errorHandlers?: ErrorHandlers;
  /**
   * Budget for retrying a record whose failure is retriable and a store restore that fails; the
   * runtime fails once it is spent. @default { maxElapsedMs: 300000, initialDelayMs: 100, maxDelayMs: 10000 }
   */
  retry?: RuntimeRetryOptions;
  /** Scheduler tuning; `conflateTopics` lists topics whose records may be conflated per key when behind. */
  lanes?: PriorityLaneSchedulerOptions & { conflateTopics?: readonly string[] };
  /**
   * Records queued in one partition before that partition is paused (a hot partition must not
   * crowd the others out). Pausing drops librdkafka's prefetch, so it is kept for the exception.
   * @default 20000
   */
  maxQueuedPerPartition?: number;
  /**
   * Records queued in all lanes before every partition whose next record is below CRITICAL is paused
   * until half have been processed (the others are still read, so a CRITICAL record is not held
   * behind a backlog elsewhere); at twice this the consumer stops fetching. librdkafka's own
   * prefetch queue is bounded too (`queued.max.messages.kbytes`).
   * @default 50000
   */
  maxQueued?: number;
  /** @default 100 */
  commitIntervalMs?: number;
  /** Bound of a graceful shutdown, ms. @default 30000 */
  shutdownTimeoutMs?: number;
  /**
   * Creates a task's stores; called again for every restore attempt after a failed one. A provider
   * with metadata (`lmdbStoreProvider`) keeps a checkpoint per task, so a restart restores only the
   * changelog written since; under exactly-once a copy not closed cleanly is wiped and restored.
   * @default in-memory stores (`InMemoryStoreProvider`)
   * @example storeProvider: lmdbStoreProvider({ stateDir: '/var/lib/tmbus', applicationId: plan.applicationId })
   */
  storeProvider?: StoreProviderFactory;
  clock?: Clock;
  logger?: Logger;
  librdkafka?: { consumer?: LibrdkafkaConfig; producer?: LibrdkafkaConfig };
  /**
   * Continues W3C traces: a CONSUMER span per record (stage spans nest under it) whose context is
   * injected into every output's `traceparent`. Off when absent. Sampling follows the tracer
   * provider (`OTEL_TRACES_SAMPLER`), so a low ratio keeps the throughput target.
   */
  tracer?: Tracer;
  /** Told about a failed wall-clock punctuation (also logged); what it emitted before is written. */
  onPunctuationError?: (error: unknown) => void;
  /** Prometheus metrics to update (see `RuntimeMetrics`). */
  metrics?: RuntimeMetrics;
  /** Per processed record (after its outputs are acknowledged): lane, ms waited+processed, ms since create time. */
  onRecordDone?: (lane: Priority, queueMs: number, endToEndMs: number) => void;
}
