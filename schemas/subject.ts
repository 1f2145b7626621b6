// Subject naming strategies: which registry subject a topic's schema lives under. The names and
// results match Confluent's serializers so Java, Go and Python clients find the same subjects.

import { ConfigError } from '../core/errors.js';

/** What a strategy names a subject from. */
export interface SubjectContext {
  topic: string;
  /** Full name of the record schema (`com.trademaster.events.order.OrderEvent`), if it is a record. */
  recordName: string | undefined;
  /** Key schema (`-key`) rather than value schema (`-value`). @default false */
  isKey?: boolean;
}

export type SubjectNameStrategy = (ctx: SubjectContext) => string;

/** `<topic>-value` (or `-key`): one schema lineage per topic. The default. */
export const TopicNameStrategy: SubjectNameStrategy = ({ topic, isKey }) =>
  `${topic}-${isKey ? 'key' : 'value'}`;

/** `<record full name>`: one lineage per record type, shared by every topic carrying it. */
export const RecordNameStrategy: SubjectNameStrategy = ({ recordName, topic }) =>
  requireRecord(recordName, topic);

/**
 * `<topic>-<record full name>`: several record types on one topic (e.g. a priority-lane topic
 * carrying every family), each with its own lineage.
 */
export const TopicRecordNameStrategy: SubjectNameStrategy = ({ topic, recordName }) =>
  `${topic}-${requireRecord(recordName, topic)}`;

/** Strategies by the names the CLI and configuration accept. */
export const SUBJECT_STRATEGIES = {
  topic: TopicNameStrategy,
  record: RecordNameStrategy,
  'topic-record': TopicRecordNameStrategy,
} as const satisfies Record<string, SubjectNameStrategy>;

export type SubjectStrategyName = keyof typeof SUBJECT_STRATEGIES;

/** Resolves a strategy given by name or as a function. @default TopicNameStrategy */
export function subjectStrategy(
  strategy: SubjectStrategyName | SubjectNameStrategy | undefined,
): SubjectNameStrategy {
  if (strategy === undefined) return TopicNameStrategy;
  if (typeof strategy === 'function') return strategy;
  const found = SUBJECT_STRATEGIES[strategy];
  if (!found) {
    throw new ConfigError(
      `unknown subject strategy '${String(strategy)}' (accepted: ${Object.keys(SUBJECT_STRATEGIES).join(', ')})`,
      { context: { configKey: 'subjectStrategy' } },
    );
  }
  return found;
}

function requireRecord(recordName: string | undefined, topic: string): string {
  if (!recordName) {
    throw new ConfigError(`topic '${topic}': record-name subject strategies need a named record schema`, {
      context: { configKey: 'subjectStrategy', topic },
    });
  }
  return recordName;
}
