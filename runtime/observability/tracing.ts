// W3C trace context through Kafka: producers inject `traceparent` into record headers, the runtime
// continues the trace for each record it processes (a CONSUMER span per record, active while the
// stages run so stage spans become its children) and injects the processing span into every
// output, so one trace links publish → every topology → gateway emit. Attributes follow the
// OpenTelemetry messaging semantic conventions. Tracing is off unless a Tracer is passed: the
// per-record path then does no tracing work at all.

import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { OutgoingHeaders, RecordHeaders } from '../../core/record.js';

const getter: TextMapGetter<RecordHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key]?.toString(),
};

const setter: TextMapSetter<OutgoingHeaders> = {
  set: (carrier, key, value) => {
    carrier[key] = Buffer.from(value);
  },
};

/** The trace context carried by a record's headers (ROOT when none). */
export function extractContext(headers: RecordHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers, getter);
}

/** Writes the context's span into `headers` as `traceparent`/`tracestate`. */
export function injectContext<H extends OutgoingHeaders>(ctx: Context, headers: H): H {
  propagation.inject(ctx, headers, setter);
  return headers;
}

export interface MessagingTarget {
  topic: string;
  partition?: number;
  offset?: number;
  key?: Buffer | string | null;
  consumerGroup?: string;
}

function messagingAttributes(t: MessagingTarget, operation: 'send' | 'process' | 'receive') {
  const attributes: Record<string, string | number> = {
    'messaging.system': 'kafka',
    'messaging.destination.name': t.topic,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
  };
  if (t.partition !== undefined) attributes['messaging.destination.partition.id'] = String(t.partition);
  if (t.offset !== undefined) attributes['messaging.kafka.offset'] = t.offset;
  if (t.key !== undefined && t.key !== null) attributes['messaging.kafka.message.key'] = t.key.toString();
  if (t.consumerGroup) attributes['messaging.consumer.group.name'] = t.consumerGroup;
  return attributes;
}

/** A CONSUMER span for processing one record, parented by the trace in its headers. */
export function startProcessSpan(
  tracer: Tracer,
  headers: RecordHeaders,
  target: MessagingTarget,
): { span: Span; ctx: Context } {
  const parent = extractContext(headers);
  const span = tracer.startSpan(
    `process ${target.topic}`,
    { kind: SpanKind.CONSUMER, attributes: messagingAttributes(target, 'process') },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span) };
}

/** A PRODUCER span for publishing one record, parented by the active context. */
export function startSendSpan(
  tracer: Tracer,
  target: MessagingTarget,
  parent: Context = context.active(),
): { span: Span; ctx: Context } {
  const span = tracer.startSpan(
    `send ${target.topic}`,
    { kind: SpanKind.PRODUCER, attributes: messagingAttributes(target, 'send') },
    parent,
  );
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Runs `fn` with `ctx` active, so spans started inside (stage spans) become its children. */
export function withContext<T>(ctx: Context, fn: () => T): T {
  return context.with(ctx, fn);
}
