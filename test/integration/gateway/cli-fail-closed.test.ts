// `tmbus gateway` as an operator starts it (its own process, the real Kafka, registry and Redis):
// without JWT settings it exits non-zero naming them; with the deploy example's placeholder secret
// it is refused too; with `--dev` it starts and accepts a development token from `tmbus token`.
// The process runs cli/main.ts — the source of the `tmbus` binary — through the tsx loader, so the
// test checks the code in the tree rather than whatever `dist/` was last built from.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { devJwtConfig, mintDevToken } from '../../../cli/token.js';
import { GatewayClient } from '../../../gateway/client/index.js';
import { TopicManager } from '../../../runtime/kafka/topics.js';
import { PRIORITIES } from '../../../schemas/catalog.js';
import { uniqueName } from '../../support/services.js';
import { connection, redisUrl } from './support/harness.js';

const root = join(import.meta.dirname, '../../..');
const lanes = Object.fromEntries(PRIORITIES.map((p) => [p, uniqueName(`gw-cli-${p.toLowerCase()}`)]));
const groupId = uniqueName('gw-cli-group');

afterAll(async () => {
  await new TopicManager(connection).delete(Object.values(lanes)).catch(() => undefined);
});

/** The service addresses, and no TMBUS_JWT_* the test runner's environment may hold. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(out)) if (k.startsWith('TMBUS_JWT_')) delete out[k];
  return {
    ...out,
    TMBUS_KAFKA_BROKERS: connection.kafka.brokers,
    TMBUS_REGISTRY_URL: connection.registry.url,
    TMBUS_REDIS_URL: redisUrl,
    TMBUS_LANE_PARTITIONS: '1',
    ...extra,
  };
}

function start(args: string[], environment: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'gateway', ...args], {
    cwd: root,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d) => (out.stdout += String(d)));
  child.stderr!.on('data', (d) => (out.stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out, exited };
}

function deployExampleSecret(): string {
  const yaml = readFileSync(join(root, 'deploy/kubernetes/secret.example.yaml'), 'utf8');
  return /TMBUS_JWT_SECRET:\s*"([^"]+)"/.exec(yaml)![1]!;
}

describe('tmbus gateway fails closed', () => {
  it('exits non-zero without JWT settings, naming the settings to give', async () => {
    const run = start(['--port', '0'], env());
    expect(await run.exited).not.toBe(0);
    expect(run.out.stderr).toMatch(/CONFIG_INVALID: no JWT settings/);
    for (const setting of [
      'TMBUS_JWT_SECRET',
      'TMBUS_JWT_JWKS_URL',
      'TMBUS_JWT_ISSUER',
      'TMBUS_JWT_AUDIENCE',
      '--dev',
    ])
      expect(run.out.stderr).toContain(setting);
  }, 60_000);

  it("refuses the deploy example's placeholder secret", async () => {
    const run = start(
      ['--port', '0'],
      env({
        TMBUS_JWT_SECRET: deployExampleSecret(),
        TMBUS_JWT_ISSUER: 'https://idp.test',
        TMBUS_JWT_AUDIENCE: 'gw',
      }),
    );
    expect(await run.exited).not.toBe(0);
    expect(run.out.stderr).toMatch(/TMBUS_JWT_SECRET is a published placeholder/);
  }, 60_000);

  it('starts with --dev and accepts a development token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmbus-gw-cli-'));
    const config = join(dir, 'gateway.json');
    writeFileSync(config, JSON.stringify({ lanes: { topics: lanes, groupId }, instanceId: 'gw-cli-dev' }));
    const run = start(['--dev', '--port', '0', '--ops-port', '0', '--config', config], env());
    let child: ChildProcess | undefined = run.child;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no 'gateway listening' line:\n${run.out.stderr}`)),
          60_000,
        );
        run.child.stdout!.on('data', () => {
          const m = /"url":"(http:[^"]+)".*"msg":"gateway listening"/.exec(run.out.stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        void run.exited.then((code) => reject(new Error(`exited with ${code}:\n${run.out.stderr}`)));
      });
      expect(run.out.stdout).toMatch(/development mode \(--dev\)/);
      const client = new GatewayClient({
        url,
        token: await mintDevToken({ sub: 'u-dev', roles: ['trader'], jwt: devJwtConfig({}) }),
      });
      try {
        await client.connect();
        expect(client.socket.connected).toBe(true);
      } finally {
        client.close();
      }
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      child = undefined;
    } finally {
      child?.kill('SIGKILL');
    }
  }, 90_000);
});
