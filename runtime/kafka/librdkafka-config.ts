// librdkafka settings the bus chooses, merged under the user's own (which always win: Kafka
// configuration passes through untouched where the user sets it).

import type { ConnectionConfig } from '../../core/config.js';

export type LibrdkafkaConfig = Record<string, string | number | boolean | ((...args: never[]) => void)>;

/** Producer defaults: idempotent, acks=all, Java-compatible murmur2 partitioning, small linger. */
export function producerConfig(connection: ConnectionConfig, clientId: string, extra: LibrdkafkaConfig = {}) {
  return {
    'metadata.broker.list': connection.kafka.brokers,
    'client.id': clientId,
    'enable.idempotence': true,
    acks: -1,
    // Java clients put keyed records with murmur2; librdkafka's murmur2_random matches them (and
    // spreads null keys), so co-partitioned topics line up whichever client wrote them.
    partitioner: 'murmur2_random',
    'linger.ms': 2,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 500_000,
    'queue.buffering.max.kbytes': 1_048_576,
    'compression.type': 'lz4',
    'socket.nagle.disable': true,
    dr_cb: true,
    ...extra,
    ...connection.kafka.librdkafka,
  } as LibrdkafkaConfig;
}

/** Consumer defaults: manual commits, cooperative-sticky assignment, partition EOF off. */
export function consumerConfig(
  connection: ConnectionConfig,
  clientId: string,
  groupId: string,
  extra: LibrdkafkaConfig = {},
): LibrdkafkaConfig {
  return {
    'metadata.broker.list': connection.kafka.brokers,
    'client.id': clientId,
    'group.id': groupId,
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'partition.assignment.strategy': 'cooperative-sticky',
    'fetch.wait.max.ms': 10,
    'fetch.min.bytes': 1,
    'queued.min.messages': 20_000,
    // A fetch that leaves more than queued.min.messages in a partition's queue postpones that
    // partition's next fetch by this long (librdkafka's default: 1 s). One hot partition read in
    // bursts of ~20,000 records per second capped the runtime's burst at ~23,000 events/s while its
    // event loop idled three quarters of the time (bench, market data on one partition).
    'fetch.queue.backoff.ms': 5,
    'socket.nagle.disable': true,
    'session.timeout.ms': 10_000,
    'heartbeat.interval.ms': 1_000,
    ...extra,
    ...connection.kafka.librdkafka,
  };
}
