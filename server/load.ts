/**
 * Load test of the sync server, Jepsen's bank test in miniature: devices of
 * several ledgers push random transfers between a fixed set of players at
 * the same time, some answers are "lost" and the push sent again, while a
 * reader keeps auditing the books. Afterwards it checks that nothing was
 * lost or applied twice, that the supply never moved and no balance went
 * negative, and that each ledger's log replayed into a local ledger (sql.js,
 * as a device holds it) gives the server's books.
 *
 *   npm run load:sync                      # 32 devices, bounded to 60 s
 *   npm run load:sync -- --ledgers 2 --devices 4 --ops 50 --seconds 20
 *
 * Only against the loopback: it starts its own server (and, without
 * DATABASE_URL, its own throw-away PostgreSQL).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Joined, LogOp, PendingOp, PullAnswer, PushAnswer, PushResult, ServerAudit } from '../src/sync/protocol';
import { buildApp } from './app';
import { connect, txStats, type Isolation } from './db';
import { migrate } from './migrate';
import { replayCheck } from './load-replay';

/** The shape of one run. Every count is bounded, and so is the time. */
export interface LoadOptions {
  databaseUrl: string;
  ledgers: number;
  devicesPerLedger: number;
  opsPerDevice: number;
  batch: number;
  players: number;
  /** Stop pushing after this long, whatever is left. */
  seconds: number;
  /** Share of pushes whose answer is "lost", so the device sends the same ops again. */
  lostAnswers: number;
  /** The server's isolation level for writes (default: the server's default). */
  isolation?: Isolation;
}

/** What a run measured and checked. */
export interface LoadReport {
  devices: number;
  decided: number;
  applied: number;
  rejected: number;
  pushes: number;
  resent: number;
  seconds: number;
  opsPerSecond: number;
  serializationRetries: number;
  lost: number;
  doubleApplied: number;
  auditsDuringRun: number;
  auditFailures: string[];
  finalChecks: string[];
}

const LIMITS = { ledgers: 50, devicesPerLedger: 20, opsPerDevice: 10_000, batch: 100, players: 100, seconds: 300 };

async function json<T>(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface Ledger {
  owner: Joined;
  devices: Joined[];
  supply: bigint;
  /** Every op any device pushed: key → its first outcome. */
  outcomes: Map<string, PushResult>;
}

async function setUpLedger(base: string, o: LoadOptions): Promise<Ledger> {
  const owner = (await json<Joined>(base, 'POST', '/v1/ledgers', undefined, {})).body;
  const devices = [owner];
  for (let i = 1; i < o.devicesPerLedger; i++) {
    const invite = (await json<{ invite: string }>(base, 'POST', `/v1/ledgers/${owner.ledgerId}/invites`, owner.deviceToken, {})).body.invite;
    devices.push((await json<Joined>(base, 'POST', `/v1/ledgers/${owner.ledgerId}/join`, undefined, { invite })).body);
  }
  const ops: PendingOp[] = Array.from({ length: o.players }, (_, i) => ({
    deviceSeq: i + 1,
    key: `${owner.deviceId}:open:${i}`,
    op: { type: 'createPlayer', player: `player-${i}`, balance: '100' },
  }));
  const r = await json<PushAnswer>(base, 'POST', `/v1/ledgers/${owner.ledgerId}/push`, owner.deviceToken, { ops });
  if (r.status !== 200 || r.body.results.some((x) => x.status !== 'applied')) throw new Error(`opening balances: ${JSON.stringify(r.body)}`);
  return { owner, devices, supply: BigInt(o.players) * 100n, outcomes: new Map() };
}

/** Pushes once; a 5xx or a dropped connection is sent again, as a device would. */
async function pushOnce(base: string, device: Joined, ops: PendingOp[], counts: { pushes: number; resent: number }): Promise<PushResult[]> {
  for (let attempt = 0; ; attempt++) {
    counts.pushes++;
    try {
      const r = await json<PushAnswer>(base, 'POST', `/v1/ledgers/${device.ledgerId}/push`, device.deviceToken, { ops });
      if (r.status === 200) return r.body.results;
      if (r.status < 500 || attempt >= 10) throw new Error(`push: ${r.status} ${JSON.stringify(r.body)}`);
    } catch (error) {
      if (attempt >= 10 || (error as Error).message.startsWith('push:')) throw error;
    }
    counts.resent++;
  }
}

/** One device: pushes its transfers batch by batch, in order, sending a batch again when its answer is "lost" or fails. */
async function runDevice(base: string, ledger: Ledger, device: Joined, o: LoadOptions, deadline: number, counts: { pushes: number; resent: number }): Promise<void> {
  let seq = device === ledger.owner ? o.players : 0;
  for (let sent = 0; sent < o.opsPerDevice && Date.now() < deadline; ) {
    const n = Math.min(o.batch, o.opsPerDevice - sent);
    const ops: PendingOp[] = Array.from({ length: n }, () => {
      const from = Math.floor(Math.random() * o.players);
      const to = (from + 1 + Math.floor(Math.random() * (o.players - 1))) % o.players;
      seq++;
      return { deviceSeq: seq, key: `${device.deviceId}:${seq}`, op: { type: 'transfer', from: `player-${from}`, to: `player-${to}`, amount: String(1 + Math.floor(Math.random() * 60)) } };
    });
    // Now and then the answer "never arrives": the device sends the very same ops again and must get the same outcomes.
    const times = Math.random() < o.lostAnswers ? 2 : 1;
    let first: PushResult[] | undefined;
    for (let i = 0; i < times; i++) {
      if (i > 0) counts.resent++;
      const results = await pushOnce(base, device, ops, counts);
      if (first && JSON.stringify(first) !== JSON.stringify(results)) {
        throw new Error(`a resent push was answered differently: ${JSON.stringify(first)} then ${JSON.stringify(results)}`);
      }
      first ??= results;
    }
    for (const result of first!) ledger.outcomes.set(result.key, result);
    sent += n;
  }
}

async function fullLog(base: string, d: Joined): Promise<LogOp[]> {
  const out: LogOp[] = [];
  for (let after = '0'; ; ) {
    const r = await json<PullAnswer>(base, 'GET', `/v1/ledgers/${d.ledgerId}/ops?after=${after}`, d.deviceToken);
    out.push(...r.body.ops);
    if (!r.body.more) return out;
    after = r.body.ops.at(-1)!.seq;
  }
}

/** Runs the load against a fresh in-process server on 127.0.0.1 and checks the outcome. */
export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  for (const [k, max] of Object.entries(LIMITS)) {
    const v = o[k as keyof typeof LIMITS];
    if (!(v >= 1 && v <= max)) throw new Error(`${k} must be 1 to ${max}`);
  }
  const host = new URL(o.databaseUrl).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) throw new Error('the load test runs against a loopback PostgreSQL only');
  const sql = connect(o.databaseUrl, { max: 16 });
  await migrate(sql);
  const app = await buildApp({ sql, ...(o.isolation ? { isolation: o.isolation } : {}) });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const ledgers = await Promise.all(Array.from({ length: o.ledgers }, () => setUpLedger(base, o)));
    const retriesBefore = txStats.retries;
    const counts = { pushes: 0, resent: 0 };
    const auditFailures: string[] = [];
    let audits = 0;
    let running = true;
    // The bank's reader: while money moves, every audit must find the supply whole and no balance negative.
    const reader = (async () => {
      while (running) {
        for (const l of ledgers) {
          const a = await json<ServerAudit>(base, 'GET', `/v1/ledgers/${l.owner.ledgerId}/audit`, l.owner.deviceToken);
          audits++;
          if (!a.body.ok || a.body.totalSupply !== String(l.supply)) auditFailures.push(JSON.stringify(a.body));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const started = performance.now();
    const deadline = Date.now() + o.seconds * 1000;
    await Promise.all(ledgers.flatMap((l) => l.devices.map((d) => runDevice(base, l, d, o, deadline, counts))));
    const seconds = (performance.now() - started) / 1000;
    running = false;
    await reader;

    let lost = 0;
    let doubleApplied = 0;
    let applied = 0;
    let rejected = 0;
    const finalChecks: string[] = [];
    for (const l of ledgers) {
      const log = await fullLog(base, l.owner);
      const inLog = new Map<string, number>();
      for (const op of log) inLog.set(op.key, (inLog.get(op.key) ?? 0) + 1);
      for (const [key, result] of l.outcomes) {
        const times = inLog.get(key) ?? 0;
        if (result.status === 'applied') {
          applied++;
          if (times === 0) lost++;
        } else {
          rejected++;
          if (times > 0) doubleApplied++; // refused, yet in the books
        }
        if (times > 1) doubleApplied += times - 1;
      }
      // Ops in the log that no device was told about (beyond the opening balances) would be applied behind a device's back.
      const unexplained = log.filter((op) => op.op.type === 'transfer' && l.outcomes.get(op.key)?.status !== 'applied').length;
      doubleApplied += unexplained;
      const rows = await sql<{ key: string }[]>`SELECT key FROM op WHERE ledger_id = ${l.owner.ledgerId} GROUP BY key HAVING count(*) > 1`;
      doubleApplied += rows.length;
      const audit = (await json<ServerAudit>(base, 'GET', `/v1/ledgers/${l.owner.ledgerId}/audit`, l.owner.deviceToken)).body;
      if (!audit.ok) finalChecks.push(`ledger ${l.owner.ledgerId}: ${audit.problems.join('; ')}`);
      if (audit.totalSupply !== String(l.supply)) finalChecks.push(`ledger ${l.owner.ledgerId}: supply ${audit.totalSupply}, expected ${l.supply}`);
      const [neg] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM account WHERE ledger_id = ${l.owner.ledgerId} AND kind <> 'house' AND balance < 0`;
      if (neg!.n > 0) finalChecks.push(`ledger ${l.owner.ledgerId}: ${neg!.n} negative balances`);
      finalChecks.push(...(await replayCheck(sql, l.owner.ledgerId, log)));
    }
    const decided = applied + rejected;
    return {
      devices: o.ledgers * o.devicesPerLedger,
      decided,
      applied,
      rejected,
      pushes: counts.pushes,
      resent: counts.resent,
      seconds,
      opsPerSecond: decided / seconds,
      serializationRetries: txStats.retries - retriesBefore,
      lost,
      doubleApplied,
      auditsDuringRun: audits,
      auditFailures,
      finalChecks,
    };
  } finally {
    await app.close();
    await sql.end({ timeout: 5 });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      ledgers: { type: 'string', default: '8' },
      devices: { type: 'string', default: '4' },
      ops: { type: 'string', default: '400' },
      batch: { type: 'string', default: '10' },
      players: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '60' },
      lost: { type: 'string', default: '0.1' },
      isolation: { type: 'string' },
    },
  });
  const { startPostgres } = await import('../scripts/pg-dev.mjs');
  const pg = process.env.DATABASE_URL ? undefined : await startPostgres({ quiet: true });
  try {
    const report = await runLoad({
      databaseUrl: process.env.DATABASE_URL ?? pg!.url,
      ledgers: Number(values.ledgers),
      devicesPerLedger: Number(values.devices),
      opsPerDevice: Number(values.ops),
      batch: Number(values.batch),
      players: Number(values.players),
      seconds: Number(values.seconds),
      lostAnswers: Number(values.lost),
      ...(values.isolation ? { isolation: values.isolation as Isolation } : {}),
    });
    console.log(JSON.stringify({ ...report, opsPerSecond: Math.round(report.opsPerSecond), seconds: Number(report.seconds.toFixed(2)) }, null, 2));
    const ok = report.lost === 0 && report.doubleApplied === 0 && report.auditFailures.length === 0 && report.finalChecks.length === 0;
    console.log(ok ? 'OK: nothing lost, nothing applied twice, supply conserved, no negative balance, replays agree' : 'FAILED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    pg?.stop();
  }
}
