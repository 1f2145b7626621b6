// `tmbus publish <family-or-type> <json|->`: publishes hand-written events through the same
// EventPublisher services use — Avro-validated against the family's schema, keyed by the catalog's
// partition key, priority and tm-* headers stamped from the catalog — with the envelope fields a
// person should not have to type filled in. A JSON that does not fit the schema is refused with the
// serde's SERDE_ENCODE message naming the field, and a non-zero exit.

import { Command } from 'commander';
import { errorMessage, isBusError, KafkaError, SerdeError } from '../core/errors.js';
import type { EventLike } from '../runtime/client/event-publisher.js';
import { EventPublisher } from '../runtime/client/event-publisher.js';
import { TopicManager } from '../runtime/kafka/topics.js';
import { completeEvent, resolvePublishTarget } from '../runtime/ops/event-draft.js';
import { opsConnectionConfig } from '../runtime/ops/ops-connection.js';
import { CATALOG } from '../schemas/catalog.js';
import { HttpSchemaRegistry } from '../schemas/index.js';
import type { OpsCommandOptions } from './replay.js';

export interface PublishCommandOptions extends OpsCommandOptions {
  /** Where `-` reads events from. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
}

interface PublishFlags {
  type?: string;
  key?: string;
  topic?: string;
  source: string;
  json?: boolean;
  brokers?: string;
  registry?: string;
}

/**
 * The `publish` command.
 *
 * @example
 * program.addCommand(publishCommand());
 * // tmbus publish ORDER_PLACED '{"orderId":"o-1",…}' --key AAPL
 * // cat events.jsonl | tmbus publish OrderEvent -
 */
export function publishCommand(options: PublishCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  return new Command('publish')
    .summary('validate and publish an event typed as JSON (the envelope is filled in)')
    .description(
      'validate and publish an event (or JSON lines from stdin with -) through the EventPublisher; ' +
        'eventId, timestamp, source and version are filled in when absent',
    )
    .argument('<family-or-type>', 'an event family (OrderEvent) or an event type (ORDER_PLACED)')
    .argument('<json>', "the event {header, payload} or just its payload; '-' reads JSON lines from stdin")
    .option(
      '--type <eventType>',
      'the event type, when a family is named and the JSON has no header.eventType',
    )
    .option('--key <value>', "the family's partition key (header.symbol, header.accountId, …)")
    .option('--topic <topic>', "publish here instead of the family's domain topic")
    .option('--source <name>', 'header.source when the JSON has none', 'tmbus-cli')
    .option('--json', 'print each position as a JSON line')
    .option('--brokers <list>', 'Kafka bootstrap servers  [env: TMBUS_KAFKA_BROKERS]')
    .option('--registry <url>', 'schema registry URL  [env: TMBUS_REGISTRY_URL]')
    .action(async (name: string, json: string, flags: PublishFlags, cmd: Command) => {
      const connection = opsConnectionConfig({ brokers: flags.brokers, registry: flags.registry }, env, true);
      const target = resolvePublishTarget(name);
      const draft = { type: flags.type, key: flags.key, source: flags.source };
      // Every event is parsed and completed before anything connects: a typo fails at once.
      const events =
        json === '-'
          ? parseStream(await readAll(options.stdin ?? process.stdin)).map((input) => ({
              line: input.line,
              event:
                input.value instanceof Error
                  ? input.value
                  : attempt(() => completeEvent(target, input.value, draft)),
            }))
          : [{ line: undefined, event: completeEvent(target, parseJson(json), draft) }];
      const topic = flags.topic ?? CATALOG[target.family].topic;
      if (!(await new TopicManager(connection).describe([topic])).has(topic)) {
        // Brokers that auto-create topics would make a typo a new topic; those that do not would
        // time the send out minutes later. Either way the user wants to hear it now.
        throw new KafkaError('KAFKA_ADMIN', `topic '${topic}' does not exist`, { context: { topic } });
      }
      const out = (text: string) => cmd.configureOutput().writeOut?.(text);
      const err = (text: string) => cmd.configureOutput().writeErr?.(text);
      const publisher = new EventPublisher({
        connection,
        registry: new HttpSchemaRegistry({ url: connection.registry.url }),
        source: flags.source,
      });
      let failed = 0;
      try {
        for (const { line, event } of events) {
          try {
            if (event instanceof Error) throw event;
            out(`${await publishOne(publisher, event, topic, flags.json)}\n`);
          } catch (e) {
            // The argument: fail as every command does. Lines of stdin: report the line and go on,
            // so the output says exactly which lines are missing.
            if (line === undefined) throw e;
            failed++;
            err(`line ${line}: ${isBusError(e) ? `${e.code}: ` : ''}${errorMessage(e)}\n`);
          }
        }
      } finally {
        await publisher.close();
      }
      if (failed > 0) {
        err(`${failed} of ${events.length} event(s) not published\n`);
        process.exitCode = 1;
      }
    });
}

async function publishOne(
  publisher: EventPublisher,
  event: EventLike,
  topic: string,
  json: boolean | undefined,
): Promise<string> {
  const at = await publisher.publish(event, { topic });
  const { eventId, eventType } = event.header;
  return json
    ? JSON.stringify({ topic: at.topic, partition: at.partition, offset: at.offset, eventType, eventId })
    : `${at.topic}[${at.partition}]@${at.offset}  ${eventType}  ${eventId}`;
}

/** The value, or the error it threw (reported in its turn, like a failed publish). */
function attempt<T>(f: () => T): T | Error {
  try {
    return f();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

interface Input {
  /** 1-based line of stdin (or element of a JSON array). */
  line: number;
  /** The parsed JSON. */
  value: unknown;
}

/** Stdin as one JSON document (a pretty-printed event or an array of events) or as JSON lines. */
function parseStream(text: string): Input[] {
  let whole: unknown;
  try {
    whole = JSON.parse(text) as unknown;
  } catch {
    return text
      .split('\n')
      .map((line, i) => ({ line: i + 1, text: line.trim() }))
      .filter((l) => l.text.length > 0)
      .map((l) => ({ line: l.line, value: attempt(() => parseJson(l.text)) }));
  }
  return Array.isArray(whole)
    ? whole.map((value, i) => ({ line: i + 1, value }))
    : [{ line: 1, value: whole }];
}

/** @throws SerdeError `SERDE_ENCODE` for text that is not JSON */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SerdeError('SERDE_ENCODE', `not valid JSON: ${errorMessage(e)}`, {
      context: { field: '(root)' },
    });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}
