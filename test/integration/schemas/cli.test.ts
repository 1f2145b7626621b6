// `tmbus schemas` against the real registry over HTTP (the default client): register a schema
// file, accept a compatible change, refuse an incompatible one with exit code 1 and the reason.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { schemasCommand } from '../../../schemas/cli.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const dir = mkdtempSync(join(tmpdir(), 'tmbus-cli-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function tmbusSchemas(args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  const res = { out: '', err: '', exitCode: 0 };
  const cmd = schemasCommand({
    env: { TMBUS_REGISTRY_URL: servicesConfig().registry.url },
    output: { writeOut: (t) => (res.out += t), writeErr: (t) => (res.err += t) },
  });
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(cmd);
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    res.exitCode = e.exitCode;
  }
  return res;
}

function avsc(name: string, fields: object[]): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    JSON.stringify({ type: 'record', name: 'Position', namespace: 'com.trademaster.itest', fields }),
  );
  return file;
}

describe('tmbus schemas (real registry)', () => {
  it('register, check a compatible change, refuse an incompatible one', async () => {
    const topic = uniqueName('positions');
    const v1 = avsc('v1.avsc', [{ name: 'accountId', type: 'string' }]);
    const registered = await tmbusSchemas(['register', '--file', v1, '--topic', topic]);
    expect(registered.exitCode).toBe(0);
    expect(registered.out).toMatch(new RegExp(`registered .*v1.avsc → ${topic}-value \\(id \\d+\\)`));

    const ok = await tmbusSchemas([
      'check',
      '--file',
      avsc('v2.avsc', [
        { name: 'accountId', type: 'string' },
        { name: 'currency', type: 'string', default: 'USD' },
      ]),
      '--topic',
      topic,
    ]);
    expect(ok.exitCode).toBe(0);
    expect(ok.out).toContain(`${topic}-value: compatible (BACKWARD)`);

    const bad = await tmbusSchemas([
      'check',
      '--file',
      avsc('bad.avsc', [
        { name: 'accountId', type: 'string' },
        { name: 'quantity', type: 'long' },
      ]),
      '--topic',
      topic,
    ]);
    expect(bad.exitCode).toBe(1);
    expect(bad.err).toContain(
      "field 'quantity' was added without a default: BACKWARD requires new fields to have defaults",
    );

    const list = await tmbusSchemas(['list', '--prefix', topic]);
    expect(list.out).toBe(
      `${topic}-value\tv1\tid ${/id (\d+)/.exec(registered.out)![1]}\tBACKWARD\tcom.trademaster.itest.Position\n`,
    );
  });
});
