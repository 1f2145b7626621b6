// Loads a user's topology module for `tmbus run` and `tmbus describe`. The module's default export
// is a built plan, a builder, or a function of `{ registry, connection }` returning either.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ConnectionConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { SchemaRegistry } from '../schemas/index.js';
import type { TopologyPlan } from '../topology/plan.js';

export interface TopologyModuleContext {
  registry: SchemaRegistry;
  connection: ConnectionConfig;
}

type Exported = TopologyPlan | { build(): TopologyPlan } | ((ctx: TopologyModuleContext) => unknown);

function isPlan(v: unknown): v is TopologyPlan {
  return typeof v === 'object' && v !== null && 'subtopologies' in v && 'applicationId' in v;
}

export async function loadTopology(path: string, ctx: TopologyModuleContext): Promise<TopologyPlan> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: Exported };
  let value: unknown = mod.default;
  if (typeof value === 'function') value = await (value as (c: TopologyModuleContext) => unknown)(ctx);
  if (
    typeof value === 'object' &&
    value !== null &&
    'build' in value &&
    typeof (value as { build: unknown }).build === 'function'
  ) {
    value = (value as { build(): unknown }).build();
  }
  if (!isPlan(value)) {
    throw new ConfigError(
      `'${path}' must default-export a TopologyPlan, a TopologyBuilder, or a function returning one`,
      { context: { configKey: 'topology' } },
    );
  }
  return value;
}
