import { describe, expect, it } from 'vitest';
import { javaPartition, keyPlacement, murmur2 } from '../../../topology/partitioner.js';

describe('murmur2 partitioner (Java-compatible)', () => {
  // apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java#testMurmur2
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) = %i as in Kafka UtilsTest', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  // confluentinc/librdkafka src/rdmurmur2.c#unittest_murmur2 (hashes as int32), covering every
  // tail length and the empty key
  it.each([
    ['kafka', 0xd067cf64 | 0],
    ['giberish123456789', 0x8f552b0c | 0],
    ['1234', 0x9fc97b14 | 0],
    ['234', 0xe7c009ca | 0],
    ['34', 0x873930da | 0],
    ['4', 0x5a4b5ca1 | 0],
    ['PreAmbleWillBeRemoved,ThePrePartThatIs', 0x78424f1c | 0],
    ['reAmbleWillBeRemoved,ThePrePartThatIs', 0x4a62b377 | 0],
    ['eAmbleWillBeRemoved,ThePrePartThatIs', 0xe0e4e09e | 0],
    ['AmbleWillBeRemoved,ThePrePartThatIs', 0x62b8b43f | 0],
    ['', 0x106e08d9 | 0],
  ])('murmur2(%j) matches librdkafka', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('javaPartition = (murmur2 & 0x7fffffff) % n, like Utils.toPositive(murmur2) % n and librdkafka', () => {
    // librdkafka's older unittest_murmurhashneutral2 lists the positive hash of "kafka": 1348980580
    expect(murmur2(Buffer.from('kafka')) & 0x7fffffff).toBe(1348980580);
    expect(javaPartition(Buffer.from('kafka'), 1348980581)).toBe(1348980580);
    expect(javaPartition(Buffer.from('21'), 4)).toBe((-973932308 & 0x7fffffff) % 4);
    for (let n = 1; n <= 12; n++) {
      const p = javaPartition(Buffer.from('AAPL'), n);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(n);
    }
    expect(() => javaPartition(Buffer.from('x'), 0)).toThrow(RangeError);
  });

  it('partitioners with the same key placement are interchangeable for co-partitioning', () => {
    expect(keyPlacement('murmur2')).toBe(keyPlacement('murmur2_random'));
    expect(keyPlacement('consistent_random')).toBe('crc32');
    expect(keyPlacement('murmur2_random')).not.toBe(keyPlacement('consistent_random'));
    expect(keyPlacement('random')).toBe('random');
  });
});
