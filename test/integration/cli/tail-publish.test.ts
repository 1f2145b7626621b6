// `tmbus publish` and `tmbus tail` as an operator runs them (the real cli/main.ts in its own
// process) against the real broker and registry: what publish writes, tail prints back — decoded
// value, key, position and the tm-* headers the EventPublisher stamps; an undecodable record is a
// line with its error between decoded ones; a payload the schema refuses names its field and
// exits non-zero; --follow prints what arrives later and ends cleanly on Ctrl-C. A fresh topic
// per test.

import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { domainTopic, TopicManager } from '../../../runtime/kafka/topics.js';
import { OffsetLookup } from '../../../runtime/ops/offset-lookup.js';
import { sampleEvent } from '../../../schemas/index.js';
import { produceAll } from '../../support/kafka.js';
import { servicesConfig, uniqueName } from '../../support/services.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const connection = servicesConfig();
const topics = new TopicManager(connection);
const created: string[] = [];

afterAll(async () => {
  if (created.length > 0) await topics.delete(created);
});

async function freshTopic(prefix: string, partitions = 1): Promise<string> {
  const name = uniqueName(prefix);
  await topics.ensure([domainTopic(name, partitions)]);
  created.push(name);
  return name;
}

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  stdout: () => string;
}

function start(args: string[], stdin?: string): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      TMBUS_KAFKA_BROKERS: connection.kafka.brokers,
      TMBUS_REGISTRY_URL: connection.registry.url,
    },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (stdin !== undefined) child.stdin!.end(stdin);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, done, stdout: () => stdout };
}

const tmbus = (args: string[], stdin?: string) => start(args, stdin).done;
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('tmbus publish → tmbus tail (real broker and registry)', () => {
  it('tail -n 1 prints what publish wrote: decoded value, key, position and tm-* headers', async () => {
    const topic = await freshTopic('cli-pub', 3);
    const payload = sampleEvent('ORDER_CANCELLED_SYSTEM').payload;
    // A whole envelope with some header fields given, through the family name.
    const given = {
      header: {
        eventType: 'ORDER_CANCELLED_SYSTEM',
        symbol: 'NVDA',
        correlationId: 'flow-7',
        source: 'desk',
      },
      payload,
    };
    const published = await tmbus([
      'publish',
      'OrderEvent',
      JSON.stringify(given),
      '--topic',
      topic,
      '--json',
    ]);
    expect(published.code, published.stderr).toBe(0);
    const [at] = jsonLines(published.stdout) as [
      { topic: string; partition: number; offset: number; eventType: string; eventId: string },
    ];
    expect(at).toMatchObject({ topic, offset: 0, eventType: 'ORDER_CANCELLED_SYSTEM' });
    expect(at.eventId).toMatch(/^[0-9a-f-]{36}$/);

    // Just a payload, through the event type: everything else is filled in.
    const placed = sampleEvent('ORDER_PLACED').payload;
    const second = await tmbus([
      'publish',
      'ORDER_PLACED',
      JSON.stringify(placed),
      '--key',
      'TSLA',
      '--topic',
      topic,
    ]);
    expect(second.code, second.stderr).toBe(0);
    const m = new RegExp(`^${topic}\\[(\\d)\\]@(\\d+)  ORDER_PLACED  ([0-9a-f-]{36})\\n$`).exec(
      second.stdout,
    );
    expect(m, second.stdout).not.toBeNull();

    const tail = await tmbus(['tail', topic, '-n', '1']);
    expect(tail.code, tail.stderr).toBe(0);
    const lines = jsonLines(tail.stdout);
    expect(lines).toHaveLength(1);
    const placedId = m![3]!;
    expect(lines[0]).toMatchObject({
      topic,
      partition: Number(m![1]),
      offset: Number(m![2]),
      key: 'TSLA',
      headers: {
        'tm-event-type': 'ORDER_PLACED',
        'tm-priority': 'HIGH',
        'tm-event-id': placedId,
        'tm-correlation-id': placedId,
      },
      value: {
        header: {
          eventId: placedId,
          correlationId: placedId,
          causationId: null,
          eventType: 'ORDER_PLACED',
          priority: 'HIGH',
          source: 'tmbus-cli',
          version: 1,
          symbol: 'TSLA',
        },
        payload: placed,
      },
    });
    expect(lines[0]!.error).toBeUndefined();

    const both = jsonLines((await tmbus(['tail', topic, '-n', '5'])).stdout);
    expect(both.map((l) => (l.headers as Record<string, string>)['tm-event-type'])).toEqual([
      'ORDER_CANCELLED_SYSTEM',
      'ORDER_PLACED',
    ]);
    expect(both[0]).toMatchObject({
      key: 'NVDA',
      headers: {
        'tm-priority': 'CRITICAL',
        'tm-event-id': at.eventId,
        'tm-correlation-id': 'flow-7',
      },
      value: { header: { symbol: 'NVDA', correlationId: 'flow-7', priority: 'CRITICAL' }, payload },
    });
  });

  it('prints an undecodable record as an error line with its raw value and goes on', async () => {
    const topic = await freshTopic('cli-tail-bad');
    const first = await tmbus(
      ['publish', 'ORDER_FILLED', '-', '--topic', topic],
      `${JSON.stringify(sampleEvent('ORDER_FILLED'))}\n`,
    );
    expect(first.code, first.stderr).toBe(0);
    const garbage = Buffer.from('plain text, not Avro');
    // Framed like Confluent Avro, with a schema id the registry has never issued.
    const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4, 6]);
    await produceAll(connection, [
      { topic, key: 'AAPL', value: garbage },
      { topic, key: 'AAPL', value: unknownId },
    ]);
    const last = await tmbus(
      ['publish', 'ORDER_CANCELLED', '-', '--topic', topic],
      JSON.stringify(sampleEvent('ORDER_CANCELLED')),
    );
    expect(last.code, last.stderr).toBe(0);

    const tail = await tmbus(['tail', topic, '--from', 'earliest']);
    expect(tail.code, tail.stderr).toBe(0);
    const lines = jsonLines(tail.stdout);
    expect(lines.map((l) => l.offset)).toEqual([0, 1, 2, 3]);
    expect((lines[0]!.value as { header: { eventType: string } }).header.eventType).toBe('ORDER_FILLED');
    expect(lines[1]).toMatchObject({
      key: 'AAPL',
      error: { code: 'SERDE_MAGIC_BYTE' },
      rawValue: { base64: garbage.toString('base64') },
    });
    expect(lines[1]!.value).toBeUndefined();
    expect(lines[2]).toMatchObject({
      error: { code: 'SERDE_UNKNOWN_SCHEMA' },
      rawValue: { base64: unknownId.toString('base64') },
    });
    expect((lines[3]!.value as { header: { eventType: string } }).header.eventType).toBe('ORDER_CANCELLED');

    // --from offset:<n> starts there; --partition picks one.
    const from2 = jsonLines((await tmbus(['tail', topic, '--from', 'offset:2', '--partition', '0'])).stdout);
    expect(from2.map((l) => l.offset)).toEqual([2, 3]);
  });

  it('refuses a payload that does not fit the schema, naming the field, and publishes nothing', async () => {
    const topic = await freshTopic('cli-pub-bad');
    const payload = { ...sampleEvent('ORDER_PLACED').payload, quantity: 100 };
    const result = await tmbus([
      'publish',
      'ORDER_PLACED',
      JSON.stringify(payload),
      '--key',
      'AAPL',
      '--topic',
      topic,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SERDE_ENCODE');
    expect(result.stderr).toContain('payload.quantity: expected decimal(18,8) string, got 100');

    // JSON lines: the bad line is named, the good ones are published, the exit code says so.
    const good = JSON.stringify(sampleEvent('ORDER_PLACED'));
    const lines = await tmbus(
      ['publish', 'OrderEvent', '-', '--topic', topic],
      `${good}\n{"header":{"eventType":"MARGIN_CALL"}}\n${good}\n`,
    );
    expect(lines.code).toBe(1);
    expect(lines.stderr).toMatch(
      /^line 2: SERDE_ENCODE: header\.eventType: "MARGIN_CALL" is not a OrderEvent type/m,
    );
    expect(lines.stdout.trim().split('\n')).toHaveLength(2);

    const lookup = await OffsetLookup.open(connection);
    try {
      const marks = await lookup.watermarks([{ topic, partition: 0 }]);
      expect(marks.get(`${topic}:0`)!.high).toBe(2);
    } finally {
      await lookup.close();
    }
  });

  it('--follow prints records published after it started and ends on SIGINT with exit 0', async () => {
    const topic = await freshTopic('cli-follow', 2);
    expect(
      (
        await tmbus([
          'publish',
          'PRICE_UPDATE',
          JSON.stringify(sampleEvent('PRICE_UPDATE')),
          '--topic',
          topic,
        ])
      ).code,
    ).toBe(0);
    const follow = start(['tail', topic, '-n', '1', '--follow']);
    // The first line is the record already there; the follow phase reads on from the end offsets
    // captured before it, so a record published now cannot be missed whatever the timing.
    await until(() => follow.stdout().includes('\n'));
    const later = await tmbus([
      'publish',
      'VOLUME_UPDATE',
      JSON.stringify(sampleEvent('VOLUME_UPDATE')),
      '--topic',
      topic,
    ]);
    expect(later.code, later.stderr).toBe(0);
    await until(() => follow.stdout().trim().split('\n').length >= 2);
    follow.child.kill('SIGINT');
    const result = await follow.done;
    expect(result.code, result.stderr).toBe(0);
    expect(
      jsonLines(result.stdout).map((l) => (l.headers as Record<string, string>)['tm-event-type']),
    ).toEqual(['PRICE_UPDATE', 'VOLUME_UPDATE']);
  });
});
