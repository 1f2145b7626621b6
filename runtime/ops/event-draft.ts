// What `tmbus publish` turns a typed-in JSON into before the EventPublisher sees it: the family and
// event type named on the command line, and an envelope completed with what a person should not
// have to type (a fresh eventId, the time, the source, the schema version). The publisher then
// stamps the priority and correlation from the catalog and validates the whole value against the
// family's Avro schema. Pure functions, so the rules are unit-tested without a broker.

import { randomUUID } from 'node:crypto';
import { ConfigError, SerdeError } from '../../core/errors.js';
import {
  CATALOG,
  EVENT_FAMILIES,
  EVENT_TYPES,
  type EventFamily,
  type EventType,
  eventTypesOf,
  familyOf,
  isEventType,
  priorityOf,
} from '../../schemas/catalog.js';
import type { EventLike } from '../client/event-publisher.js';

/** What the command line named: a family, or one event type (its family implied). */
export interface PublishTarget {
  family: EventFamily;
  /** Set when an event type was named. */
  type?: EventType;
}

/**
 * Resolves a family name (`OrderEvent`) or an event type (`ORDER_FILLED`).
 *
 * @throws ConfigError listing the families and naming where the event types are listed
 */
export function resolvePublishTarget(name: string): PublishTarget {
  if (isEventType(name)) return { family: familyOf(name), type: name };
  if ((EVENT_FAMILIES as readonly string[]).includes(name)) return { family: name as EventFamily };
  throw new ConfigError(
    `'${name}' is neither an event family (${EVENT_FAMILIES.join(', ')}) nor a catalog event type ` +
      `(${EVENT_TYPES.join(', ')})`,
    { context: { configKey: 'family-or-type' } },
  );
}

export interface EventDraftOptions {
  /** `--type`: the event type when the target is a family and the JSON names none. */
  type?: string;
  /** `--key`: the family's partition key field (`header.<keyField>`). */
  key?: string;
  /** `header.source` when the JSON has none. @default "tmbus-cli" */
  source?: string;
  /** `header.timestamp` when the JSON has none, epoch ms. @default Date.now() */
  now?: number;
  /** `header.eventId` when the JSON has none. @default crypto.randomUUID */
  newId?: () => string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Builds a publishable event from `input`: either a whole event `{ header, payload }` (header
 * fields optional) or just the payload. Fields the JSON gives are kept as typed; the schema
 * decides whether they are valid.
 *
 * @throws SerdeError `SERDE_ENCODE` naming the field when the JSON cannot be an event of the target
 * @example
 * completeEvent(resolvePublishTarget('ORDER_PLACED'), { orderId: 'o-1', … }, { key: 'AAPL' })
 * // { header: { eventId: '…', eventType: 'ORDER_PLACED', symbol: 'AAPL', source: 'tmbus-cli', … }, payload: { orderId: 'o-1', … } }
 */
export function completeEvent(
  target: PublishTarget,
  input: unknown,
  options: EventDraftOptions = {},
): EventLike {
  if (!isObject(input)) throw encodeError(`expected a JSON object, got ${describe(input)}`, '(root)');
  const envelope = 'header' in input || 'payload' in input;
  if (envelope && input.header !== undefined && !isObject(input.header))
    throw encodeError(`header: expected an object, got ${describe(input.header)}`, 'header');
  const header: Json = envelope ? { ...((input.header as Json | undefined) ?? {}) } : {};
  const payload = envelope ? input.payload : input;

  const type = eventTypeOf(target, header.eventType, options.type);
  const keyField = CATALOG[target.family].keyField;
  if (options.key !== undefined) header[keyField] = options.key;
  else if (header[keyField] === undefined && isObject(payload) && typeof payload[keyField] === 'string')
    // A payload carrying the key field (an order's symbol) keys the event as the header would.
    header[keyField] = payload[keyField];
  if (header[keyField] === undefined)
    throw encodeError(
      `${type} needs header.${keyField} (its partition key): add it to the header or pass --key`,
      `header.${keyField}`,
    );
  const completed = {
    eventId: options.newId?.() ?? randomUUID(),
    causationId: null,
    timestamp: options.now ?? Date.now(),
    source: options.source ?? 'tmbus-cli',
    version: 1,
    ...header,
    eventType: type,
    // The publisher stamps the catalog's priority whatever is given; shown here for the reader.
    priority: priorityOf(type),
  };
  return { header: completed, payload } as unknown as EventLike;
}

function eventTypeOf(target: PublishTarget, inHeader: unknown, flag: string | undefined): EventType {
  const named = [target.type, flag, inHeader].filter((t) => t !== undefined);
  const distinct = [...new Set(named)];
  if (distinct.length > 1)
    throw encodeError(
      `header.eventType: the event type is given as ${distinct.map((t) => JSON.stringify(t)).join(' and ')}`,
      'header.eventType',
    );
  const types = eventTypesOf(target.family);
  const type = distinct[0];
  if (type === undefined)
    throw encodeError(
      `header.eventType: which ${target.family}? give header.eventType or --type (${types.join('|')})`,
      'header.eventType',
    );
  if (typeof type !== 'string' || !(types as string[]).includes(type))
    throw encodeError(
      `header.eventType: ${JSON.stringify(type)} is not a ${target.family} type (${types.join('|')})`,
      'header.eventType',
    );
  return type as EventType;
}

function encodeError(message: string, field: string): SerdeError {
  return new SerdeError('SERDE_ENCODE', message, { context: { field } });
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
