// How the HTTP registry client classifies failures, retries and trips its breaker. The transport
// is a scripted `fetch` so each failure mode is reproducible; the client against the real
// registry is covered by test/integration/schemas.

import { describe, expect, it } from 'vitest';
import { ConfigError, SchemaRegistryError } from '../../../core/errors.js';
import { HttpSchemaRegistry } from '../../../schemas/http-registry.js';

type Answer = { status: number; body?: unknown } | Error;

/** A fetch that plays `answers` in order (the last one repeats) and records the requests. */
function scriptedFetch(...answers: Answer[]) {
  const requests: Array<{ url: string; method: string; body?: string; headers: Record<string, string> }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    requests.push({
      url,
      method: init.method ?? 'GET',
      body: init.body as string | undefined,
      headers: init.headers as Record<string, string>,
    });
    const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
    if (answer instanceof Error) throw answer;
    return new Response(answer.body === undefined ? '' : JSON.stringify(answer.body), {
      status: answer.status,
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, requests };
}

const fast = { retries: 2, initialDelayMs: 1, maxDelayMs: 2 };

async function failure(p: Promise<unknown>): Promise<SchemaRegistryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SchemaRegistryError);
    return e as SchemaRegistryError;
  }
  throw new Error('expected a SchemaRegistryError');
}

describe('HttpSchemaRegistry', () => {
  it('validates its options at construction', () => {
    expect(() => new HttpSchemaRegistry({ url: 'not a url' })).toThrow(ConfigError);
    expect(() => new HttpSchemaRegistry({ url: 'http://r', timeoutMs: -1 })).toThrow(/timeoutMs/);
  });

  it('sends Confluent requests with auth and caches schemas by id', async () => {
    const { fetch, requests } = scriptedFetch({ status: 200, body: { schema: '{"type":"string"}' } });
    const registry = new HttpSchemaRegistry({
      url: 'http://registry:8081/apis/ccompat/v7/',
      auth: { username: 'u', password: 'p' },
      fetch,
    });
    expect(await registry.getSchemaById(12)).toEqual({ type: 'string' });
    expect(await registry.getSchemaById(12)).toEqual({ type: 'string' });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('http://registry:8081/apis/ccompat/v7/schemas/ids/12');
    expect(requests[0]!.headers.Authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('maps 404 to SCHEMA_NOT_FOUND without retrying', async () => {
    const { fetch, requests } = scriptedFetch({
      status: 404,
      body: { error_code: 40403, message: 'Schema 9 not found.' },
    });
    const e = await failure(new HttpSchemaRegistry({ url: 'http://r', fetch, retry: fast }).getSchemaById(9));
    expect(e).toMatchObject({
      code: 'SCHEMA_NOT_FOUND',
      retriable: false,
      context: { schemaId: 9, status: 404, registryErrorCode: 40403 },
    });
    expect(e.message).toContain('Schema 9 not found.');
    expect(requests).toHaveLength(1);
  });

  it('retries 5xx and network errors, then gives up with a retriable error', async () => {
    const { fetch, requests } = scriptedFetch(
      { status: 503, body: { message: 'down' } },
      new TypeError('fetch failed'),
    );
    const e = await failure(new HttpSchemaRegistry({ url: 'http://r', fetch, retry: fast }).listSubjects());
    expect(e.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(e.retriable).toBe(true);
    expect(requests).toHaveLength(3);
  });

  it('recovers when the registry comes back within the retries', async () => {
    const { fetch } = scriptedFetch({ status: 502 }, { status: 200, body: ['a-value'] });
    expect(await new HttpSchemaRegistry({ url: 'http://r', fetch, retry: fast }).listSubjects()).toEqual([
      'a-value',
    ]);
  });

  it('maps 422 to a non-retriable SCHEMA_REGISTRY_REQUEST', async () => {
    const { fetch, requests } = scriptedFetch({
      status: 422,
      body: { error_code: 42203, message: 'Invalid compatibility level' },
    });
    const e = await failure(
      new HttpSchemaRegistry({ url: 'http://r', fetch, retry: fast }).setCompatibility('s', 'BACKWARD'),
    );
    expect(e).toMatchObject({ code: 'SCHEMA_REGISTRY_REQUEST', retriable: false });
    expect(requests).toHaveLength(1);
  });

  it('opens its circuit after repeated unavailability and then fails fast without calling', async () => {
    const { fetch, requests } = scriptedFetch(new TypeError('fetch failed'));
    const registry = new HttpSchemaRegistry({
      url: 'http://r',
      fetch,
      retry: { retries: 0 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: 60_000 },
    });
    for (let i = 0; i < 3; i++)
      expect((await failure(registry.listSubjects())).code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    const open = await failure(registry.listSubjects());
    expect(open).toMatchObject({ code: 'CIRCUIT_OPEN', retriable: true });
    expect(requests).toHaveLength(3);
  });

  it('does not count answers (404) against the breaker', async () => {
    const { fetch, requests } = scriptedFetch({ status: 404, body: { error_code: 40401 } });
    const registry = new HttpSchemaRegistry({ url: 'http://r', fetch, breaker: { consecutiveFailures: 2 } });
    for (let i = 0; i < 5; i++)
      expect((await failure(registry.getLatest('s'))).code).toBe('SCHEMA_NOT_FOUND');
    expect(requests).toHaveLength(5);
  });

  it('reports a timeout as retriable unavailability', async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
      )) as unknown as typeof globalThis.fetch;
    const e = await failure(
      new HttpSchemaRegistry({ url: 'http://r', fetch, timeoutMs: 20, retry: { retries: 0 } }).listSubjects(),
    );
    expect(e.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(e.message).toContain('timed out after 20 ms');
  });
});
