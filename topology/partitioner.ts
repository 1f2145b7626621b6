// The partitioner every runner uses, so keys land where Java clients put them: Kafka's murmur2
// (`Utils.murmur2`, the Java producer's default for keyed records; librdkafka's `murmur2` and
// `murmur2_random` partitioners compute the same thing). Also the names of librdkafka's
// partitioners and which of them place keys identically — the co-partitioning check compares those.

/**
 * Kafka's murmur2 hash of `data`, as a signed 32-bit integer (Java `int`).
 *
 * @example
 * murmur2(Buffer.from('21')); // -973932308, as in Kafka's UtilsTest
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition Kafka's Java producer (and librdkafka's murmur2 partitioners) pick for a key:
 * `(murmur2(key) & 0x7fffffff) % numPartitions`.
 *
 * @example
 * javaPartition(Buffer.from('AAPL'), 6);
 */
export function javaPartition(keyBytes: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return (murmur2(keyBytes) & 0x7fffffff) % numPartitions;
}

/** librdkafka's `partitioner` values (the Java client's default behaves as `murmur2_random`). */
export const PARTITIONERS = [
  'murmur2_random',
  'murmur2',
  'consistent_random',
  'consistent',
  'fnv1a_random',
  'fnv1a',
  'random',
] as const;
export type PartitionerName = (typeof PARTITIONERS)[number];

/** The partitioner the bus uses everywhere unless told otherwise. */
export const DEFAULT_PARTITIONER: PartitionerName = 'murmur2_random';

/**
 * How a partitioner places a keyed record: partitioners with the same placement put equal keys on
 * equal partitions (the `_random` variants differ only for null keys). `random` places nothing.
 */
export function keyPlacement(partitioner: PartitionerName): 'murmur2' | 'crc32' | 'fnv1a' | 'random' {
  if (partitioner.startsWith('murmur2')) return 'murmur2';
  if (partitioner.startsWith('consistent')) return 'crc32';
  if (partitioner.startsWith('fnv1a')) return 'fnv1a';
  return 'random';
}
