// `tmbus schemas register|check|list` against an in-memory registry: output, exit codes, and the
// clear refusal of a bad registry URL or an incompatible schema.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_FAMILIES } from '../../../schemas/catalog.js';
import { schemasCommand } from '../../../schemas/cli.js';
import { InMemorySchemaRegistry } from '../../../schemas/memory-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'tmbus-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  out: string;
  err: string;
  exitCode: number;
  urls: string[];
}

async function run(
  registry: InMemorySchemaRegistry,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Run> {
  const result: Run = { out: '', err: '', exitCode: 0, urls: [] };
  const cmd = schemasCommand({
    env,
    registryFor: (url) => {
      result.urls.push(url);
      return registry;
    },
    output: { writeOut: (t) => (result.out += t), writeErr: (t) => (result.err += t) },
  });
  const exitOverride = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) exitOverride(sub);
  };
  exitOverride(cmd);
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    result.exitCode = e.exitCode;
  }
  return result;
}

const REGISTRY = ['--registry', 'http://127.0.0.1:18081/apis/ccompat/v7'];

function schemaFile(name: string, fields: object[]): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ type: 'record', name: 'Fill', namespace: 'com.example', fields }));
  return file;
}

describe('tmbus schemas', () => {
  it('register: every catalog family under <topic>-value, then list shows them', async () => {
    const registry = new InMemorySchemaRegistry();
    const reg = await run(registry, [...REGISTRY, 'register']);
    expect(reg.exitCode).toBe(0);
    expect(reg.out).toContain('registered OrderEvent → tm.orders-value (id ');
    expect(reg.urls).toEqual(['http://127.0.0.1:18081/apis/ccompat/v7']);
    expect(await registry.listSubjects()).toHaveLength(EVENT_FAMILIES.length);

    const list = await run(registry, ['list', '--prefix', 'tm.orders'], {
      TMBUS_REGISTRY_URL: 'http://reg:8081',
    });
    expect(list.urls).toEqual(['http://reg:8081']);
    expect(list.out).toMatch(
      /^tm\.orders-value\tv1\tid \d+\tBACKWARD\tcom\.trademaster\.events\.order\.OrderEvent\n$/,
    );
  });

  it('check: passes a compatible file, fails an incompatible one with the field and the rule', async () => {
    const registry = new InMemorySchemaRegistry();
    const v1 = schemaFile('v1.avsc', [{ name: 'orderId', type: 'string' }]);
    expect((await run(registry, [...REGISTRY, 'register', '--file', v1, '--topic', 'fills'])).exitCode).toBe(
      0,
    );

    const ok = await run(registry, [
      ...REGISTRY,
      'check',
      '--file',
      schemaFile('v2.avsc', [
        { name: 'orderId', type: 'string' },
        { name: 'venue', type: 'string', default: 'XNAS' },
      ]),
      '--topic',
      'fills',
    ]);
    expect(ok.exitCode).toBe(0);
    expect(ok.out).toContain('compatible (BACKWARD)');

    const bad = schemaFile('bad.avsc', [
      { name: 'orderId', type: 'string' },
      { name: 'fillPrice', type: 'string' },
    ]);
    const check = await run(registry, [...REGISTRY, 'check', '--file', bad, '--topic', 'fills']);
    expect(check.exitCode).toBe(1);
    expect(check.err).toContain(
      "field 'fillPrice' was added without a default: BACKWARD requires new fields to have defaults",
    );

    const register = await run(registry, [...REGISTRY, 'register', '--file', bad, '--topic', 'fills']);
    expect(register.exitCode).toBe(1);
    expect(register.err).toContain('SCHEMA_INCOMPATIBLE');
    expect((await registry.getLatest('fills-value')).version).toBe(1);
  });

  it('refuses a missing or invalid registry URL, unknown families and bad options', async () => {
    const registry = new InMemorySchemaRegistry();
    const missing = await run(registry, ['list']);
    expect(missing.exitCode).toBe(2);
    expect(missing.err).toContain('no schema registry URL: pass --registry <url> or set TMBUS_REGISTRY_URL');
    const invalid = await run(registry, ['--registry', 'ftp://x', 'list']);
    expect(invalid.exitCode).toBe(2);
    expect(invalid.err).toContain("invalid schema registry URL 'ftp://x'");
    expect(invalid.urls).toEqual([]);
    const unknown = await run(registry, [...REGISTRY, 'check', 'OrderEvents']);
    expect(unknown.err).toContain('unknown family OrderEvents (accepted: RiskEvent, OrderEvent');
    const strategy = await run(registry, [...REGISTRY, 'check', '--strategy', 'bogus']);
    expect(strategy.exitCode).not.toBe(0);
    expect(strategy.err).toMatch(/Allowed choices are topic, record, topic-record/);
    const noTopic = await run(registry, [...REGISTRY, 'register', '--file', join(dir, 'v1.avsc')]);
    expect(noTopic.err).toContain('--file needs --topic');
  });

  it('register --strategy record --compatibility FULL sets the level on the subject', async () => {
    const registry = new InMemorySchemaRegistry();
    const res = await run(registry, [
      ...REGISTRY,
      'register',
      'RiskEvent',
      '--strategy',
      'record',
      '--compatibility',
      'FULL',
    ]);
    expect(res.out).toContain('→ com.trademaster.events.risk.RiskEvent (id');
    expect(await registry.getCompatibility('com.trademaster.events.risk.RiskEvent')).toBe('FULL');
  });
});
