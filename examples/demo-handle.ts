// What `startDemo` hands back: the topics and plans, the account directory a gateway authorizes
// against, the running services and StreamsRuntime instances with their metrics, and — per mode —
// the in-process broker with its lane feed, or the Kafka connection.

import type { Registry } from 'prom-client';
import type { ConnectionConfig } from '../core/config.js';
import type { StreamsRuntime } from '../runtime/engine/streams-runtime.js';
import type { InProcessBroker } from '../runtime/transport/inprocess/broker.js';
import type { LaneFeed } from '../runtime/transport/inprocess/lane-feed.js';
import type { Priority, SchemaRegistry } from '../schemas/index.js';
import type { TopologyPlan } from '../topology/index.js';
import type { AccountDirectory } from './accounts.js';
import type { DemoServices } from './demo-services.js';
import type { ApplicationName, DemoTopics } from './topics.js';

/** What both modes return. */
export interface DemoHandleBase {
  readonly topics: DemoTopics;
  /** Lane topic per priority: what a gateway reads (`gateway` config `lanes.topics`). */
  readonly laneTopics: Readonly<Record<Priority, string>>;
  /** Accounts and their users (a trader's token sees `orders:<accountId>` of its own accounts). */
  readonly directory: AccountDirectory;
  readonly symbols: readonly string[];
  /** Registry the events were encoded against; decode lane records with it. */
  readonly registry: SchemaRegistry;
  /** The compiled applications, by name (`plans.risk.describe()`). */
  readonly plans: Readonly<Record<ApplicationName, TopologyPlan>>;
  readonly services: DemoServices;
  /** Every application instance (`runtimeInstances` per application). */
  readonly runtimes: readonly StreamsRuntime[];
  /** The runtimes' Prometheus metrics: records in/out, per-lane latency, lag. */
  readonly metrics: Registry;
  /** Stops the services, then the topologies (idempotent). */
  stop(): Promise<void>;
}

/** The zero-setup demo: everything in this process. */
export interface EmbeddedDemoHandle extends DemoHandleBase {
  readonly mode: 'embedded';
  readonly broker: InProcessBroker;
  /** The lane topics as a gateway consumes them: records with positions, live appends, resume reads. */
  readonly lanes: LaneFeed;
}

/** The demo on real Kafka and a real schema registry. */
export interface KafkaDemoHandle extends DemoHandleBase {
  readonly mode: 'kafka';
  readonly connection: ConnectionConfig;
  /** Every topic the demo created or its applications own (for cleanup). */
  topicNames(): string[];
}

export type DemoHandle = EmbeddedDemoHandle | KafkaDemoHandle;
