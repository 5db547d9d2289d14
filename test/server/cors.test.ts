/** Browser devices call the server from the app's origin: preflights are answered, other origins get no CORS header. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { corsFromEnv } from '../../server/cors';
import { startServer, type Server } from './harness';

let server: Server;
beforeAll(async () => {
  server = await startServer({ corsOrigins: corsFromEnv('http://localhost:4301, https://app.example') });
});
afterAll(() => server.close());

it('answers the preflight of an allowed origin, and only that origin', async () => {
  const preflight = await fetch(`${server.url}/v1/ledgers/x/push`, {
    method: 'OPTIONS',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  const created = await fetch(`${server.url}/v1/ledgers`, { method: 'POST', headers: { origin: 'http://localhost:4301', 'content-type': 'application/json' }, body: '{}' });
  expect(created.status).toBe(201);
  expect(created.headers.get('access-control-allow-origin')).toBe('http://localhost:4301');
  const other = await fetch(`${server.url}/v1/ledgers`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{}' });
  expect(other.headers.get('access-control-allow-origin')).toBeNull();
  expect(corsFromEnv(undefined)).toBe('*');
});
