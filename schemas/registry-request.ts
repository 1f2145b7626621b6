// One HTTP request to a Confluent-compatible registry, and the mapping of its failures onto the
// bus's typed errors. Retriable means "the same request may succeed later": network errors,
// timeouts, 408, 429 and 5xx. Everything else is an answer (not found, refused, bad request).

import { type ErrorCode, SchemaRegistryError } from '../core/errors.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RegistryRequest {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body?: unknown;
  context?: { subject?: string; schemaId?: number };
}

export interface RegistryConnection {
  timeoutMs: number;
  auth?: { username: string; password: string } | undefined;
  headers: Record<string, string>;
}

/** Sends one request; resolves with the parsed JSON body or throws a `SchemaRegistryError`. */
export async function registryRequest<T>(
  fetchFn: typeof fetch,
  baseUrl: string,
  req: RegistryRequest,
  conn: RegistryConnection,
): Promise<T> {
  const headers: Record<string, string> = { Accept: CONTENT_TYPE, ...conn.headers };
  if (req.body !== undefined) headers['Content-Type'] = CONTENT_TYPE;
  if (conn.auth)
    headers.Authorization = `Basic ${Buffer.from(`${conn.auth.username}:${conn.auth.password}`).toString('base64')}`;
  const where = `${req.method} ${baseUrl}${req.path}`;
  let res: Response;
  let text: string;
  try {
    res = await fetchFn(`${baseUrl}${req.path}`, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(conn.timeoutMs),
    });
    text = await res.text();
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
    const reason = timedOut ? `timed out after ${conn.timeoutMs} ms` : describeNetworkError(e);
    throw new SchemaRegistryError(
      'SCHEMA_REGISTRY_UNAVAILABLE',
      `schema registry unreachable: ${where} ${reason}`,
      {
        retriable: true,
        cause: e,
        context: { ...req.context },
      },
    );
  }
  const body = parseJson(text);
  if (res.ok) {
    if (body === undefined) {
      throw new SchemaRegistryError(
        'SCHEMA_REGISTRY_REQUEST',
        `schema registry sent a non-JSON answer to ${where}`,
        {
          context: { ...req.context, status: res.status },
        },
      );
    }
    return body as T;
  }
  const detail = body as { error_code?: number; message?: string } | undefined;
  const message = detail?.message ?? (text.slice(0, 200) || res.statusText);
  throw new SchemaRegistryError(
    codeOf(res.status),
    `schema registry answered ${res.status} to ${where}: ${message}`,
    {
      retriable: isRetriableStatus(res.status),
      context: { ...req.context, status: res.status, registryErrorCode: detail?.error_code },
    },
  );
}

function codeOf(status: number): ErrorCode {
  if (status === 404) return 'SCHEMA_NOT_FOUND';
  if (status === 409) return 'SCHEMA_INCOMPATIBLE';
  return isRetriableStatus(status) ? 'SCHEMA_REGISTRY_UNAVAILABLE' : 'SCHEMA_REGISTRY_REQUEST';
}

function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describeNetworkError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
}
