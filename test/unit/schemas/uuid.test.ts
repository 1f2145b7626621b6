// The uuid logical type's check, against the regular expression it replaces, on valid UUIDs and on
// near misses (each position changed to each interesting character).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isUuid } from '../../../schemas/logical-types.js';

const PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('isUuid', () => {
  it('accepts UUIDs in either case and agrees with the pattern on every one-character change', () => {
    const samples = [randomUUID(), randomUUID().toUpperCase(), '00000000-0000-0000-0000-000000000000'];
    for (const uuid of samples) {
      expect(isUuid(uuid)).toBe(true);
      for (let i = 0; i < uuid.length; i++)
        for (const c of ['-', '0', '9', 'a', 'f', 'A', 'F', 'g', 'G', '/', ':', '@', '`', ' ', 'é', '\0']) {
          const changed = uuid.slice(0, i) + c + uuid.slice(i + 1);
          expect(isUuid(changed), changed).toBe(PATTERN.test(changed));
        }
    }
    for (const bad of ['', 'x', `${samples[0]}0`, samples[0]!.slice(1), samples[0]!.replaceAll('-', '')])
      expect(isUuid(bad)).toBe(false);
  });
});
