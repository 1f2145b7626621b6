// The clients a StreamsRuntime takes from its transport — which transport, its producer and the
// group-member settings a plan needs — and the synchronous drain the test driver runs the engine
// with (`drainSync`).

import type { Clock } from '../../core/clock.js';
import { BusError } from '../../core/errors.js';
import type { TopologyPlan } from '../../topology/plan.js';
import type { PriorityLaneScheduler } from '../lanes/priority-lane-scheduler.js';
import { kafkaTransport } from '../transport/librdkafka/kafka-transport.js';
import type {
  GroupMember,
  GroupMemberOptions,
  Transport,
  TransportProducer,
  TransportRecord,
} from '../transport/types.js';
import type { ProcessingGuarantee } from './commit-coordinator.js';
import type { RecordProcessor } from './record-processor.js';
import type { StreamsRuntimeOptions } from './streams-runtime-options.js';

export function transportOf(options: StreamsRuntimeOptions): Transport {
  if (options.transport) return options.transport;
  if (!options.connection)
    throw new BusError('BAD_REQUEST', 'StreamsRuntime needs a `connection` (Kafka) or a `transport`');
  return kafkaTransport(options.connection);
}

export function runtimeProducer(
  transport: Transport,
  options: StreamsRuntimeOptions,
  guarantee: ProcessingGuarantee,
  clientId: string,
  instanceId: string,
): TransportProducer {
  const exactlyOnce = guarantee === 'exactly_once';
  return transport.producer({
    clientId: `${clientId}-producer`,
    transactionalId: exactlyOnce ? `${options.plan.applicationId}-${instanceId}` : undefined,
    // At-least-once the commit's barrier is a flush (Kafka Streams' RecordCollector does the same):
    // no delivery report crosses from librdkafka per record, only failures. Exactly-once too when
    // the plan has no store: then nothing needs a record's offset (changelog writes do, through
    // `send`), and the transaction's commit is what confirms its records.
    reportOnlyErrors: !exactlyOnce || options.plan.stores.length === 0,
    // A crashed instance's open transaction blocks read_committed readers until it times out
    // (or the same transactional id restarts): keep that window short.
    librdkafka: {
      ...(exactlyOnce ? { 'transaction.timeout.ms': 10_000 } : {}),
      ...options.librdkafka?.producer,
    },
  });
}

/**
 * At-least-once, the producer of changelog records, whose delivery reports give the offsets task
 * checkpoints keep (the output producer reports only failures); none when the plan has no store.
 * Exactly-once, changelog records go into the transaction with the outputs: the one producer.
 */
export function changelogProducer(
  transport: Transport,
  options: StreamsRuntimeOptions,
  guarantee: ProcessingGuarantee,
  clientId: string,
): TransportProducer | undefined {
  if (guarantee === 'exactly_once' || options.plan.stores.length === 0) return undefined;
  return transport.producer({
    clientId: `${clientId}-changelog-producer`,
    librdkafka: { ...options.librdkafka?.producer },
  });
}

/** Group, topics and assignor of a plan's consumer-group member. */
export function memberBasics(
  plan: TopologyPlan,
  clientId: string,
): Pick<GroupMemberOptions, 'groupId' | 'clientId' | 'topics' | 'isolationLevel' | 'assignmentStrategy'> {
  // A sub-topology reading several co-partitioned topics (a join, a table beside its stream)
  // needs partition p of each on the same instance. librdkafka's cooperative-sticky assignor
  // places each topic's partitions independently; range places them alike. So such plans use
  // range (eager rebalances), and the rest keep cooperative-sticky.
  const coPartitioned = plan.subtopologies.some((s) => s.sourceTopics.length > 1);
  return {
    groupId: plan.applicationId,
    clientId: `${clientId}-consumer`,
    topics: [...new Set(plan.subtopologies.flatMap((s) => s.sourceTopics))],
    isolationLevel: 'read_committed',
    assignmentStrategy: coPartitioned ? 'range' : 'cooperative-sticky',
  };
}

/**
 * Processes what is queued, then fetches one record at a time (production order) and processes
 * it, until nothing is left. Returns false when processing halted (a held record, a failure).
 */
export function drainToQuiescence(
  scheduler: PriorityLaneScheduler<TransportRecord>,
  records: RecordProcessor,
  member: GroupMember,
  clock: Clock,
  halted: () => boolean,
): boolean {
  // Re-entered from a punctuation that fires while draining: the outer drain goes on.
  if (draining.has(member)) return true;
  draining.add(member);
  try {
    for (;;) {
      if (halted()) return false;
      for (let item = scheduler.next(clock.now()); item; item = scheduler.next(clock.now())) {
        records.process(item);
        if (halted()) return false;
      }
      if (member.pollOnce?.(1) === 0) return true;
    }
  } finally {
    draining.delete(member);
  }
}

/** Members whose runtime is draining now. */
const draining = new WeakSet<GroupMember>();
