/**
 * CORS for browser devices: the app is served from its own origin and calls
 * the sync server on another, with an `Authorization` header and a JSON body,
 * so every call is preceded by a preflight. Allowing any origin (the default)
 * is safe here because the server has no ambient authority: no cookies, every
 * request carries its bearer token, which another site's page cannot read.
 * A list narrows it to the app's own origins.
 */
import type { FastifyInstance } from 'fastify';

/** Allowed origins: `'*'` for any, else exact origins such as `https://bitcraps.example.org`. */
export type CorsOrigins = '*' | readonly string[];

/** Parses `PACIOLI_CORS_ORIGINS`: unset or `*` allows any origin; else a comma-separated list. */
export function corsFromEnv(value: string | undefined): CorsOrigins {
  if (value === undefined || value.trim() === '' || value.trim() === '*') return '*';
  return value.split(',').map((o) => o.trim()).filter((o) => o !== '');
}

/** Answers preflights and marks answers readable by allowed origins. */
export function allowCors(app: FastifyInstance, origins: CorsOrigins): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (origins !== '*' && !origins.includes(origin)) return; // no header: the browser refuses to hand the answer over
    void reply.header('access-control-allow-origin', origins === '*' ? '*' : origin);
    if (origins !== '*') void reply.header('vary', 'origin');
    if (request.method === 'OPTIONS') {
      void reply.header('access-control-allow-methods', 'GET, POST');
      void reply.header('access-control-allow-headers', 'authorization, content-type');
      void reply.header('access-control-max-age', '600');
      return reply.status(204).send();
    }
  });
}
