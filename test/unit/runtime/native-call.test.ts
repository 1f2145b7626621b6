import { describe, expect, it } from 'vitest';
import { transactionErrorKind } from '../../../runtime/kafka/kafka-errors.js';
import { nativeCall } from '../../../runtime/kafka/stuck-native-calls.js';

describe('a native call bounded from JS', () => {
  it('fails as fatal when librdkafka never answers, and ignores a late answer', async () => {
    let late: ((err: unknown) => void) | undefined;
    const call = nativeCall('KAFKA_TRANSACTION', 'sendOffsetsToTransaction', (cb) => (late = cb), 20);
    const e = await call.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(String(e)).toContain('sendOffsetsToTransaction did not return');
    expect(transactionErrorKind(e)).toBe('fatal');
    late?.(null); // the stuck call returns after all: nothing happens
  });

  it('passes an answer through, and a native error keeps its kind', async () => {
    await expect(
      nativeCall('KAFKA_TRANSACTION', 'commitTransaction', (cb) => cb(null), 20),
    ).resolves.toBeUndefined();
    const abortable = { message: 'x', isTxnRequiresAbort: true };
    const e = await nativeCall('KAFKA_TRANSACTION', 'commitTransaction', (cb) => cb(abortable), 20).catch(
      (err) => err,
    );
    expect(transactionErrorKind(e)).toBe('abortable');
  });
});
