/**
 * What the server tests share: a real server on a loopback port over the
 * PostgreSQL of the global setup, a small typed HTTP client for it, and a
 * replay of a canonical log into a local ledger (sql.js, as the device runs it).
 */
import type { FastifyInstance } from 'fastify';
import { inject } from 'vitest';
import type { InviteAnswer, Joined, LogOp, Op, PendingOp, PullAnswer, PushAnswer, Role, ServerAudit } from '../../src/sync/protocol';
import { applyLocal } from '../../src/sync/apply-local';
import { LEDGER_MIGRATIONS } from '../../src/ledger/schema';
import { Engine } from '../../src/worker/sql/engine';
import { checkMigrations, migrate } from '../../src/worker/features/migrations';
import { buildApp, type AppOptions } from '../../server/app';
import { connect, type Sql } from '../../server/db';
import { loadSql, migrationSteps } from '../helpers';

/** A running server and its database client. */
export interface Server {
  url: string;
  sql: Sql;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a free port) against the test PostgreSQL. */
export async function startServer(options: Partial<AppOptions> = {}): Promise<Server> {
  const sql = connect(inject('databaseUrl'), { max: 8 });
  const app = await buildApp({ sql, ...options });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    sql,
    app,
    async close() {
      await app.close();
      await sql.end({ timeout: 5 });
    },
  };
}

/** A status and a parsed JSON body. */
export interface Answer<T> {
  status: number;
  body: T;
}

/** Sends one request; `body` is JSON unless it is already a string. */
export async function call<T = unknown>(base: string, method: string, path: string, init: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers };
  if (init.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A device's view of the API: its credential, its next deviceSeq, typed calls. */
export class DeviceClient {
  nextSeq = 1;
  private keys = 0;
  constructor(
    readonly base: string,
    readonly joined: Joined,
  ) {}

  /** Creates a ledger; the creator is its owner. */
  static async create(base: string): Promise<DeviceClient> {
    const r = await call<Joined>(base, 'POST', '/v1/ledgers', { body: {} });
    if (r.status !== 201) throw new Error(`create: ${r.status} ${JSON.stringify(r.body)}`);
    return new DeviceClient(base, r.body);
  }

  /** Invites and joins a second device with `role`. */
  async invite(role: Role = 'member'): Promise<DeviceClient> {
    const inv = await call<InviteAnswer>(this.base, 'POST', `/v1/ledgers/${this.joined.ledgerId}/invites`, { token: this.joined.deviceToken, body: { role } });
    if (inv.status !== 201) throw new Error(`invite: ${inv.status} ${JSON.stringify(inv.body)}`);
    const r = await call<Joined>(this.base, 'POST', `/v1/ledgers/${this.joined.ledgerId}/join`, { body: { invite: inv.body.invite } });
    if (r.status !== 201) throw new Error(`join: ${r.status} ${JSON.stringify(r.body)}`);
    return new DeviceClient(this.base, r.body);
  }

  /** Queues ops as pending with fresh keys and the next deviceSeqs (not sent). */
  pending(...ops: Op[]): PendingOp[] {
    return ops.map((op) => ({ deviceSeq: this.nextSeq++, key: `${this.joined.deviceId}:${++this.keys}`, op }));
  }

  /** Pushes already-queued ops as they are (a retry sends the same ones again). */
  send(ops: PendingOp[]): Promise<Answer<PushAnswer>> {
    return call<PushAnswer>(this.base, 'POST', `/v1/ledgers/${this.joined.ledgerId}/push`, { token: this.joined.deviceToken, body: { ops } });
  }

  /** Queues and pushes ops, expecting a 200. */
  async push(...ops: Op[]): Promise<PushAnswer> {
    const r = await this.send(this.pending(...ops));
    if (r.status !== 200) throw new Error(`push: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** The whole canonical log. */
  async log(): Promise<LogOp[]> {
    const out: LogOp[] = [];
    for (let after = '0'; ; ) {
      const r = await call<PullAnswer>(this.base, 'GET', `/v1/ledgers/${this.joined.ledgerId}/ops?after=${after}`, { token: this.joined.deviceToken });
      if (r.status !== 200) throw new Error(`pull: ${r.status} ${JSON.stringify(r.body)}`);
      out.push(...r.body.ops);
      if (!r.body.more) return out;
      after = r.body.ops.at(-1)!.seq;
    }
  }

  /** The server's audit of this ledger. */
  async audit(): Promise<ServerAudit> {
    return (await call<ServerAudit>(this.base, 'GET', `/v1/ledgers/${this.joined.ledgerId}/audit`, { token: this.joined.deviceToken })).body;
  }
}

/** A fresh local ledger (sql.js), migrated as a device's would be. */
export async function localLedger(): Promise<Engine> {
  const e = new Engine(await loadSql());
  await migrate(migrationSteps(e), await checkMigrations(LEDGER_MIGRATIONS), LEDGER_MIGRATIONS.at(-1)!.version);
  return e;
}

/** Applies one op to a local ledger in its own transaction; the error code when the local books refuse it. */
export function applyInTx(e: Engine, op: Op, key?: string): string | undefined {
  e.begin();
  try {
    applyLocal(e, op, key);
    e.pending(1);
    e.commit();
    return undefined;
  } catch (error) {
    e.rollback();
    return (error as { code?: string }).code ?? String(error);
  }
}

/** Replays a canonical log into a fresh local ledger; every op must apply there too. */
export async function replay(log: LogOp[]): Promise<Engine> {
  const e = await localLedger();
  for (const l of log) {
    const refused = applyInTx(e, l.op, l.key);
    if (refused) throw new Error(`seq ${l.seq} (${JSON.stringify(l.op)}) applied on the server but the local ledger refused it: ${refused}`);
  }
  return e;
}

/** Every account's balance in the server's books, as `kind:ref` → bigint. */
export async function serverBalances(sql: Sql, ledgerId: string): Promise<Map<string, bigint>> {
  const rows = await sql<{ kind: string; ref: string; balance: bigint }[]>`SELECT kind, ref, balance FROM account WHERE ledger_id = ${ledgerId} ORDER BY kind, ref`;
  return new Map(rows.map((r) => [`${r.kind}:${r.ref}`, r.balance]));
}

/** Every account's balance in a local ledger, keyed like `serverBalances`. */
export function localBalances(e: Engine): Map<string, bigint> {
  const rows = e.query(`SELECT kind, ref, balance FROM account ORDER BY kind, ref`);
  return new Map(rows.map((r) => [`${String(r.kind)}:${String(r.ref)}`, BigInt(r.balance as number | bigint)]));
}
