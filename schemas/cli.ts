// `tmbus schemas …`: register the catalog (or any .avsc) with the registry, check a change for
// compatibility before it ships (CI runs `check` and fails the build on an incompatible change),
// and list what is registered. The top-level CLI mounts `schemasCommand()`; this module never
// exits the process itself, it reports through commander (`command.error`) so the host decides.

import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { errorMessage, isBusError } from '../core/errors.js';
import { type AvroSchemaJson, schemaName } from './avro-type.js';
import { CATALOG, EVENT_FAMILIES, type EventFamily } from './catalog.js';
import { FAMILY_SCHEMAS } from './generated/avro-schemas.js';
import { HttpSchemaRegistry } from './http-registry.js';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel, type SchemaRegistry } from './registry.js';
import { SUBJECT_STRATEGIES, type SubjectStrategyName, subjectStrategy } from './subject.js';

export interface SchemasCommandOptions {
  /** Builds the registry client for a validated URL. @default url => new HttpSchemaRegistry({ url }) */
  registryFor?: (url: string) => SchemaRegistry;
  /** Where output goes. @default process.stdout / process.stderr */
  output?: { writeOut(text: string): void; writeErr(text: string): void };
  /** Environment read for `TMBUS_REGISTRY_URL`. @default process.env */
  env?: NodeJS.ProcessEnv;
}

interface Target {
  label: string;
  subject: string;
  schema: AvroSchemaJson;
}

interface SelectionOptions {
  file?: string;
  topic?: string;
  strategy: SubjectStrategyName;
}

const registryUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

/**
 * The `schemas` command with `register`, `check` and `list` subcommands.
 *
 * @example
 * program.addCommand(schemasCommand());
 * // tmbus schemas check --registry http://127.0.0.1:18081/apis/ccompat/v7 OrderEvent
 */
export function schemasCommand(options: SchemasCommandOptions = {}): Command {
  const env = options.env ?? process.env;
  const registryFor = options.registryFor ?? ((url: string) => new HttpSchemaRegistry({ url }));
  const root = new Command('schemas')
    .description('register, check and list the Avro schemas of the event catalog')
    .option('--registry <url>', 'schema registry URL (Confluent API)  [env: TMBUS_REGISTRY_URL]');

  const connect = (cmd: Command): SchemaRegistry => {
    const given = (cmd.optsWithGlobals() as { registry?: string }).registry ?? env.TMBUS_REGISTRY_URL;
    if (!given)
      cmd.error('no schema registry URL: pass --registry <url> or set TMBUS_REGISTRY_URL', {
        exitCode: 2,
        code: 'tmbus.schemas.config',
      });
    const parsed = registryUrl.safeParse(given);
    if (!parsed.success)
      cmd.error(`invalid schema registry URL '${given}': ${parsed.error.issues[0]?.message}`, {
        exitCode: 2,
        code: 'tmbus.schemas.config',
      });
    return registryFor(parsed.data!);
  };

  const selection = (cmd: Command) =>
    cmd
      .argument('[families...]', `catalog families (default: all of ${EVENT_FAMILIES.join(', ')})`)
      .option('--file <path>', 'an .avsc file instead of the catalog (needs --topic)')
      .option('--topic <topic>', 'topic the --file schema is for')
      .addOption(
        new Option('--strategy <name>', 'subject naming strategy')
          .choices(Object.keys(SUBJECT_STRATEGIES))
          .default('topic'),
      );

  selection(root.command('register').description('register schemas (after a compatibility check)'))
    .addOption(
      new Option('--compatibility <level>', 'set this level on each subject first').choices(
        COMPATIBILITY_LEVELS,
      ),
    )
    .action(
      async (
        families: string[],
        opts: SelectionOptions & { compatibility?: CompatibilityLevel },
        cmd: Command,
      ) => {
        const registry = connect(cmd);
        let failed = 0;
        for (const t of targets(cmd, families, opts)) {
          try {
            if (opts.compatibility) await registry.setCompatibility(t.subject, opts.compatibility);
            const id = await registry.register(t.subject, t.schema);
            cmd.configureOutput().writeOut?.(`registered ${t.label} → ${t.subject} (id ${id})\n`);
          } catch (e) {
            failed++;
            cmd.configureOutput().writeErr?.(`✗ ${t.label} → ${t.subject}: ${describeFailure(e)}\n`);
          }
        }
        if (failed)
          cmd.error(`${failed} schema(s) not registered`, { exitCode: 1, code: 'tmbus.schemas.register' });
      },
    );

  selection(
    root.command('check').description('check schemas against the registry without registering'),
  ).action(async (families: string[], opts: SelectionOptions, cmd: Command) => {
    const registry = connect(cmd);
    let incompatible = 0;
    for (const t of targets(cmd, families, opts)) {
      try {
        const report = await registry.checkCompatibility(t.subject, t.schema);
        const level = await registry.getCompatibility(t.subject);
        if (report.compatible) {
          cmd.configureOutput().writeOut?.(`✓ ${t.label} → ${t.subject}: compatible (${level})\n`);
        } else {
          incompatible++;
          cmd
            .configureOutput()
            .writeErr?.(
              `✗ ${t.label} → ${t.subject}: incompatible (${level})\n${report.messages.map((m) => `    - ${m}\n`).join('')}`,
            );
        }
      } catch (e) {
        incompatible++;
        cmd.configureOutput().writeErr?.(`✗ ${t.label} → ${t.subject}: ${describeFailure(e)}\n`);
      }
    }
    if (incompatible)
      cmd.error(`${incompatible} schema(s) incompatible or unchecked`, {
        exitCode: 1,
        code: 'tmbus.schemas.incompatible',
      });
  });

  root
    .command('list')
    .description('list registered subjects with their latest version, id and compatibility level')
    .option('--prefix <prefix>', 'only subjects starting with this')
    .action(async (opts: { prefix?: string }, cmd: Command) => {
      const registry = connect(cmd);
      const subjects = (await registry.listSubjects()).filter(
        (s) => !opts.prefix || s.startsWith(opts.prefix),
      );
      for (const subject of subjects) {
        const latest = await registry.getLatest(subject);
        const level = await registry.getCompatibility(subject);
        cmd
          .configureOutput()
          .writeOut?.(
            `${subject}\tv${latest.version}\tid ${latest.id}\t${level}\t${schemaName(latest.schema) ?? ''}\n`,
          );
      }
      if (subjects.length === 0) cmd.configureOutput().writeOut?.('no subjects\n');
    });

  if (options.output) {
    for (const cmd of [root, ...root.commands]) cmd.configureOutput(options.output);
  }
  return root;
}

/** The (subject, schema) pairs a register/check invocation works on. */
function targets(cmd: Command, families: string[], opts: SelectionOptions): Target[] {
  const naming = subjectStrategy(opts.strategy);
  if (opts.file) {
    if (!opts.topic) cmd.error('--file needs --topic <topic>', { exitCode: 2, code: 'tmbus.schemas.config' });
    let schema: AvroSchemaJson;
    try {
      schema = JSON.parse(readFileSync(opts.file, 'utf8')) as AvroSchemaJson;
      return [
        { label: opts.file, schema, subject: naming({ topic: opts.topic!, recordName: schemaName(schema) }) },
      ];
    } catch (e) {
      cmd.error(`cannot use ${opts.file}: ${errorMessage(e)}`, { exitCode: 2, code: 'tmbus.schemas.config' });
    }
  }
  const unknown = families.filter((f) => !(EVENT_FAMILIES as string[]).includes(f));
  if (unknown.length)
    cmd.error(
      `unknown famil${unknown.length > 1 ? 'ies' : 'y'} ${unknown.join(', ')} (accepted: ${EVENT_FAMILIES.join(', ')})`,
      { exitCode: 2, code: 'tmbus.schemas.config' },
    );
  const chosen = (families.length ? families : EVENT_FAMILIES) as EventFamily[];
  return chosen.map((family) => ({
    label: family,
    schema: FAMILY_SCHEMAS[family],
    subject: naming({
      topic: opts.topic ?? CATALOG[family].topic,
      recordName: schemaName(FAMILY_SCHEMAS[family]),
    }),
  }));
}

function describeFailure(e: unknown): string {
  return isBusError(e) ? `${e.code}: ${e.message}` : errorMessage(e);
}
