/**
 * The sync server's HTTP API as the page calls it (src/sync/protocol.ts has
 * the contract): JSON bodies, the device token as a bearer header, and every
 * failure a `StoreError` with code `SYNC_FAILED` naming the server's error.
 */
import type { ErrorAnswer } from '../sync/protocol';
import { StoreError } from '../shared/errors';

/** A refused request: the HTTP status and the server's error body. */
export class SyncRefusal extends StoreError {
  constructor(
    readonly status: number,
    readonly answer: Partial<ErrorAnswer>,
  ) {
    super('SYNC_FAILED', `the sync server refused (${status} ${answer.error ?? 'error'}): ${answer.message ?? ''}`);
  }
}

/** The server's base URL, checked and without a trailing slash. */
export function serverBase(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw new StoreError('INVALID_ARGUMENT', `${JSON.stringify(url)} is not a URL: give the sync server's address, e.g. https://sync.example.org`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new StoreError('INVALID_ARGUMENT', 'the sync server URL must be http: or https:');
  return parsed.href.replace(/\/+$/, '');
}

/** Sends one request; resolves with the parsed answer of a 2xx, rejects with `SYNC_FAILED` otherwise. */
export async function request<T>(base: string, method: 'GET' | 'POST', path: string, init: { token?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      cache: 'no-store',
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason ?? error;
    throw new StoreError('SYNC_FAILED', `cannot reach the sync server at ${base}: ${(error as Error).message}`, { cause: error });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason ?? error;
    throw new StoreError('SYNC_FAILED', `the sync server at ${base} answered ${res.status} without JSON`, { cause: error });
  }
  if (!res.ok) throw new SyncRefusal(res.status, (body ?? {}) as Partial<ErrorAnswer>);
  return body as T;
}
