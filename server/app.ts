/**
 * The sync server's HTTP face (Fastify): authentication, validation against
 * the protocol's schemas, and the routes of src/sync/protocol.ts. It holds no
 * state of its own; every answer comes from PostgreSQL.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import * as z from 'zod';
import {
  InviteRequestSchema,
  JoinRequestSchema,
  MAX_PUSH_BYTES,
  PullQuerySchema,
  PushRequestSchema,
  type InviteAnswer,
  type Joined,
  type PullAnswer,
  type Role,
} from '../src/sync/protocol';
import { auditLedger } from './audit';
import { allowCors, type CorsOrigins } from './cors';
import { bearer, deviceFor, hashSecret, newSecret, type Device } from './auth';
import { transact, type Isolation, type Sql, type Tx } from './db';
import { HttpError } from './errors';
import { HeadWatcher } from './live';
import { pull, push } from './log';

/** How the server is set up. */
export interface AppOptions {
  sql: Sql;
  /** When set, creating a ledger needs `Authorization: Bearer <createToken>`. */
  createToken?: string;
  isolation?: Isolation;
  /** Use LISTEN/NOTIFY to wake long-polls (off on engines without it). Default on. */
  notify?: boolean;
  /** How often a waiting pull re-reads the log anyway. Default 1 s without NOTIFY, 5 s with it. */
  recheckMs?: number;
  logger?: boolean;
  /** Which browser origins may call the server (server/cors.ts). Default any: no cookies, only bearer tokens. */
  corsOrigins?: CorsOrigins;
}

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
  throw new HttpError(400, 'BAD_REQUEST', detail.join('; '));
}

async function newDevice(tx: Tx, ledgerId: string, role: Role): Promise<Joined> {
  const deviceId = randomUUID();
  const deviceToken = newSecret();
  await tx`INSERT INTO device (id, ledger_id, token_hash, role) VALUES (${deviceId}, ${ledgerId}, ${hashSecret(deviceToken)}, ${role})`;
  return { ledgerId, deviceId, deviceToken, role };
}

/** Builds the server; call `listen` (or `inject` in tests) on the result, `close` to stop it. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { sql } = options;
  const notify = options.notify ?? true;
  const watcher = new HeadWatcher(sql, options.recheckMs ?? (notify ? 5000 : 1000));
  if (notify) await watcher.listen();
  const txOptions = options.isolation ? { isolation: options.isolation } : {};

  // Fastify refuses bodies over the limit (413), non-JSON content types (415), bad JSON and
  // __proto__ keys (400) before any handler runs.
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAX_PUSH_BYTES, return503OnClosing: true });
  // Release waiting long-polls first, so that closing does not wait out their deadlines.
  app.addHook('preClose', () => watcher.close());
  allowCors(app, options.corsOrigins ?? '*');

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof HttpError) return reply.status(error.status).send(error.body());
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.status(status).send({ error: status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST', message: (error as Error).message });
    }
    request.log.error(error);
    return reply.status(500).send({ error: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((_request, reply) => reply.status(404).send({ error: 'NOT_FOUND', message: 'no such endpoint' }));

  /** The device of the request's bearer token, allowed on the ledger of the URL only. */
  async function authorise(request: FastifyRequest, role?: Role): Promise<Device> {
    const token = bearer(request.headers.authorization);
    const device = token === undefined ? undefined : await deviceFor(sql, token);
    if (!device) throw new HttpError(401, 'UNAUTHORIZED', 'a valid device token is required (Authorization: Bearer <deviceToken>)');
    const { ledger } = request.params as { ledger: string };
    if (device.ledgerId !== ledger) throw new HttpError(403, 'FORBIDDEN', 'this device belongs to another ledger');
    if (role && device.role !== role) throw new HttpError(403, 'FORBIDDEN', `this needs a device with the ${role} role`);
    return device;
  }

  app.post('/v1/ledgers', async (request, reply) => {
    if (options.createToken !== undefined) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '');
      const wanted = Buffer.from(options.createToken);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new HttpError(401, 'UNAUTHORIZED', 'creating a ledger needs the server create token');
    }
    parse(z.strictObject({}), request.body ?? {});
    const ledgerId = randomUUID();
    const joined = await transact(sql, async (tx) => {
      await tx`INSERT INTO ledger (id) VALUES (${ledgerId})`;
      await tx`INSERT INTO account (ledger_id, kind, ref, balance) VALUES (${ledgerId}, 'house', 'house', 0)`;
      return newDevice(tx, ledgerId, 'owner');
    }, txOptions);
    return reply.status(201).send(joined);
  });

  app.post('/v1/ledgers/:ledger/invites', async (request, reply) => {
    const device = await authorise(request, 'owner');
    const body = parse(InviteRequestSchema, request.body ?? {});
    const invite = newSecret();
    const expiresAt = new Date(Date.now() + body.ttlSeconds * 1000);
    await sql`INSERT INTO invite (token_hash, ledger_id, role, created_by, expires_at)
      VALUES (${hashSecret(invite)}, ${device.ledgerId}, ${body.role}, ${device.id}, ${expiresAt})`;
    const answer: InviteAnswer = { invite, role: body.role, expiresAt: expiresAt.toISOString() };
    return reply.status(201).send(answer);
  });

  app.post('/v1/ledgers/:ledger/join', async (request, reply) => {
    const { invite } = parse(JoinRequestSchema, request.body);
    const { ledger } = request.params as { ledger: string };
    const joined = await transact(sql, async (tx) => {
      const [row] = await tx<{ ledger_id: string; role: Role }[]>`
        SELECT ledger_id, role FROM invite WHERE token_hash = ${hashSecret(invite)} AND used_by IS NULL AND expires_at > now() FOR UPDATE`;
      // One answer for unknown, used, expired and other-ledger invites: a guess learns nothing.
      if (!row || row.ledger_id !== ledger) throw new HttpError(401, 'UNAUTHORIZED', 'this invite is unknown, used or expired');
      const device = await newDevice(tx, row.ledger_id, row.role);
      await tx`UPDATE invite SET used_by = ${device.deviceId} WHERE token_hash = ${hashSecret(invite)}`;
      return device;
    }, txOptions);
    return reply.status(201).send(joined);
  });

  app.post('/v1/ledgers/:ledger/push', async (request) => {
    const device = await authorise(request);
    const { ops } = parse(PushRequestSchema, request.body);
    return push(sql, device, ops, { ...txOptions, notify });
  });

  app.get('/v1/ledgers/:ledger/ops', async (request, reply): Promise<PullAnswer> => {
    const device = await authorise(request);
    const query = parse(PullQuerySchema, request.query);
    const after = BigInt(query.after);
    const deadline = Date.now() + query.wait * 1000;
    // Long-poll: answer at once when there is news, else wait for a notification (or a recheck) until the deadline.
    const gone = new AbortController();
    // The response closes early only when the device hangs up; then the wait ends at once.
    reply.raw.once('close', () => gone.abort());
    for (;;) {
      const answer = await pull(sql, device.ledgerId, after, query.limit);
      // Closing: this connection would otherwise linger as keep-alive and hold the server's close up.
      if (watcher.closed) void reply.header('connection', 'close');
      if (answer.ops.length > 0 || Date.now() >= deadline || gone.signal.aborted || watcher.closed) return answer;
      const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      await watcher.wait(device.ledgerId, AbortSignal.any([gone.signal, timeout]));
    }
  });

  app.get('/v1/ledgers/:ledger/audit', async (request) => {
    const device = await authorise(request);
    return auditLedger(sql, device.ledgerId);
  });

  return app;
}
