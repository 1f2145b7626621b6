// Bridges a family record's Avro shape and its TypeScript shape. On the wire the payload is a
// union of the family's payload records, which avsc represents wrapped
// (`{ "com.trademaster.events.order.OrderFilled": {...} }`) because record branches cannot be
// told apart by value. User code gets `{ header, payload }` with the payload unwrapped; the
// branch is chosen by `header.eventType`, so header and payload can never disagree on the wire.

import { CATALOG, type EventFamily } from './catalog.js';
import type { ValueAdapter } from './decode.js';
import type { FamilyValue } from './events.js';
import { PAYLOAD_RECORDS } from './generated/avro-schemas.js';

interface AvroEnvelope {
  header: { eventType: string };
  payload: Record<string, unknown> | null;
}

const adapters = new Map<EventFamily, ValueAdapter<unknown>>();

/** The adapter of one family's records (one instance per family). */
export function envelopeAdapter<F extends EventFamily>(family: F): ValueAdapter<FamilyValue<F>> {
  let adapter = adapters.get(family);
  if (!adapter) {
    adapter = createAdapter(family);
    adapters.set(family, adapter);
  }
  return adapter as ValueAdapter<FamilyValue<F>>;
}

function createAdapter(family: EventFamily): ValueAdapter<unknown> {
  const types = CATALOG[family].types as Record<string, string>;
  const branchOf = (eventType: unknown): string | undefined =>
    typeof eventType === 'string' && eventType in types
      ? PAYLOAD_RECORDS[eventType as keyof typeof PAYLOAD_RECORDS]
      : undefined;
  const branchNames = new Set(Object.keys(types).map((t) => branchOf(t)!));
  // Per event type, a function that wraps a payload in its branch: an object literal with the
  // branch's name as a constant key, built once. A computed key (`{ [branch]: payload }`) over a
  // family's several branches took V8's generic path on every encode (~75 vs ~22 ns).
  const wrappers = new Map<string, (payload: unknown) => Record<string, unknown>>();
  for (const type of Object.keys(types)) {
    // The key is a catalog branch name, quoted by JSON.stringify (avsc builds its readers this way).
    wrappers.set(type, new Function('p', `return { ${JSON.stringify(branchOf(type))}: p };`) as never);
  }
  return {
    toAvro(value: unknown): AvroEnvelope {
      const v = value as { header?: { eventType?: unknown }; payload?: unknown } | null;
      if (!v || typeof v !== 'object' || !v.header || typeof v.header !== 'object') {
        throw new TypeError(`a ${family} needs a header object`);
      }
      const wrap = typeof v.header.eventType === 'string' ? wrappers.get(v.header.eventType) : undefined;
      if (!wrap) {
        throw new TypeError(
          `header.eventType: ${JSON.stringify(v.header.eventType)} is not a ${family} type (${Object.keys(types).join('|')})`,
        );
      }
      return { header: v.header as AvroEnvelope['header'], payload: wrap(v.payload) };
    },
    fromAvro(value: unknown): unknown {
      const v = value as AvroEnvelope;
      const branch = branchOf(v.header.eventType)!;
      const payload = v.payload?.[branch];
      if (payload === undefined) {
        const got = v.payload ? Object.keys(v.payload)[0] : 'null';
        throw new TypeError(
          `header.eventType ${v.header.eventType} requires a ${branch} payload, got ${got}`,
        );
      }
      // Mutate the freshly decoded object rather than copy it: this runs once per record.
      (v as { payload: unknown }).payload = payload;
      return v;
    },
    displayPath(path: readonly string[]): string {
      return path
        .filter((segment, i) => !(i === 1 && path[0] === 'payload' && branchNames.has(segment)))
        .join('.');
    },
  };
}
