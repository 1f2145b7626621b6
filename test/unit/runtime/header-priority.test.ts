// The lane of a consumed record from its `tm-priority` header bytes: each lane by its exact name,
// STANDARD for anything else (absent, empty, a prefix, a longer name, another case).
import { describe, expect, it } from 'vitest';
import { headerPriority } from '../../../runtime/engine/kafka-message.js';
import type { TransportRecord } from '../../../runtime/transport/types.js';
import { PRIORITIES } from '../../../schemas/catalog.js';

const withPriority = (value?: string | Buffer): TransportRecord =>
  ({
    topic: 't',
    partition: 0,
    offset: 0,
    key: null,
    value: null,
    timestamp: 0,
    headers: value === undefined ? {} : { 'tm-priority': Buffer.from(value) },
  }) as TransportRecord;

describe('headerPriority', () => {
  it('reads every lane by its exact name and falls back to STANDARD', () => {
    for (const p of PRIORITIES) expect(headerPriority(withPriority(p))).toBe(p);
    for (const other of [
      undefined,
      '',
      'C',
      'CRITICA',
      'CRITICALX',
      'critical',
      'HIGH ',
      'BACKGROUNd',
      'XHIGH',
    ])
      expect(headerPriority(withPriority(other)), String(other)).toBe('STANDARD');
  });
});
