/**
 * A real sync server and PostgreSQL for the sync specs, one pair per
 * Playwright worker: PostgreSQL from scripts/pg-dev.mjs (a non-root user
 * when run as root), the server as `npm run server` runs it, one Node
 * process (`node --import tsx`, so a SIGKILL leaves no child behind), on a
 * loopback port of its own (`E2E_SYNC_PORT`, default `E2E_PORT` + 137, plus twice
 * the worker's parallel index: the chromium and firefox workers may both run
 * sync specs at once, and must not share a server; a spec's proxy takes the
 * port after it) and
 * PostgreSQL on `E2E_PG_PORT` (default 55410) plus 10 per worker slot, or the next free one. CORS
 * is narrowed to the app's origin, as a deployment would be. A server that
 * exits by itself is started again, as a supervisor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { startPostgres } from '../../scripts/pg-dev.mjs';
import { APP_URL } from './app-fixtures';

const ROOT = resolve(import.meta.dirname, '../..');
const PORT = Number(process.env.E2E_SYNC_PORT ?? Number(process.env.E2E_PORT ?? 4173) + 137);

/** The server and its database, with the faults the specs inject. */
export interface SyncServer {
  url: string;
  /** SIGKILLs the server process (no graceful close). */
  kill(): Promise<void>;
  /** Starts it again on the same port and database; resolves once it answers. */
  start(): Promise<void>;
  /** Each time the server exited by itself (and was restarted, as a supervisor would): the exit and its last words. */
  selfExits: string[];
  /** Stops PostgreSQL at once, as a crash would, keeping its data. */
  crashDatabase(): void;
  restartDatabase(): void;
  stop(): Promise<void>;
}

async function answering(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const r = await fetch(`${url}/v1/ledgers/none/ops`);
      if (r.status === 401) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the sync server at ${url} did not start`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Starts PostgreSQL and the server; `slot` is the Playwright worker's parallel index. */
export async function startSyncServer(slot: number): Promise<SyncServer> {
  const port = PORT + 2 * slot; // and the next port for the spec's proxy (hold-proxy.ts)
  const url = `http://127.0.0.1:${port}`;
  // Another worker's (or a leftover) server on this port would answer for this one: refuse to share it.
  if (await fetch(url).then(() => true, () => false)) throw new Error(`something already listens on ${url}: the sync specs need the port to themselves`);
  // Each worker's cluster starts its search at a port of its own, as the server does: from one shared base, a
  // worker starting its cluster while another's was down for a crash test took that port, and the restart failed.
  const pg = await startPostgres({ port: Number(process.env.E2E_PG_PORT ?? 55410) + 10 * slot, quiet: true });
  let child: ChildProcess | undefined;
  let output = '';
  const selfExits: string[] = [];
  const start = async () => {
    output = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: pg.url, HOST: '127.0.0.1', PORT: String(port), PACIOLI_CORS_ORIGINS: new URL(APP_URL).origin },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    proc.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child = proc;
    // A server that dies on its own is restarted, as its supervisor (systemd, a container runtime) would, and
    // counted: postgres.js 3.4.9 can crash the process when PostgreSQL goes away mid-write (porsager/postgres#1154).
    proc.once('exit', (code, signal) => {
      if (child !== proc) return;
      selfExits.push(`${code ?? signal}: ${output.split('\n').filter((l) => l && !l.startsWith('{')).slice(-3).join(' / ')}`);
      child = undefined;
      // After a pause, like systemd's RestartSec: PostgreSQL may still be starting up.
      setTimeout(() => void start().catch((error: unknown) => console.error(`the sync server did not come back: ${String(error)}`)), 500);
    });
    try {
      await answering(url, Date.now() + 30_000);
    } catch (error) {
      proc.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; its output:\n${output}`);
    }
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    url,
    kill,
    start,
    selfExits,
    crashDatabase: () => pg.crash(),
    restartDatabase: () => pg.restart(),
    async stop() {
      await kill();
      pg.stop();
    },
  };
}
