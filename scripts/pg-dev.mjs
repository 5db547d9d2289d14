#!/usr/bin/env node
/**
 * A throw-away PostgreSQL for development and tests: initdb in a fresh temp
 * directory, started on a loopback port (55432 or PG_DEV_PORT, the next free
 * one if taken), password auth with a password made up for this run (the
 * machine's loopback is shared with other users), removed again on stop.
 *
 * As root it runs the server as the unprivileged `nobody` (PostgreSQL refuses
 * to run as root), and installs Debian's `postgresql` package when no initdb
 * is found. Run it as a command to get a cluster until Ctrl-C:
 *
 *   node scripts/pg-dev.mjs          # prints DATABASE_URL=..., stops on SIGINT/SIGTERM
 *
 * or import `startPostgres()` (the server tests' global setup does).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const RUN_AS = 'nobody';

/** The directory holding initdb and pg_ctl, installing PostgreSQL first when it is missing and we may. */
export function postgresBinDir() {
  const find = () => {
    if (process.env.PG_BINDIR) return process.env.PG_BINDIR;
    const root = '/usr/lib/postgresql';
    if (existsSync(root)) {
      const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
      if (versions[0]) return join(root, versions[0], 'bin');
    }
    const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
    return which.status === 0 ? join(which.stdout.trim(), '..') : undefined;
  };
  let dir = find();
  if (!dir && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.error('pg-dev: no initdb found; installing Debian package postgresql');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    dir = find();
  }
  if (!dir) throw new Error('pg-dev: PostgreSQL server binaries not found; install them (Debian: apt-get install -y postgresql) or set PG_BINDIR');
  return dir;
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * Starts a fresh cluster. Returns its URL and a `stop()` that shuts it down
 * and deletes its directory.
 * @param {{ port?: number, quiet?: boolean }} [options]
 * `crash()` stops it at once without a checkpoint and `restart()` starts it again on the same data.
 * @returns {Promise<{ url: string, port: number, dir: string, stop: () => void, crash: () => void, restart: () => void }>}
 */
export async function startPostgres(options = {}) {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number(execFileSync('id', ['-u', RUN_AS]).toString()), gid: Number(execFileSync('id', ['-g', RUN_AS]).toString()) } : {};
  const dir = mkdtempSync(join(tmpdir(), 'pacioli-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    chownSync(dir, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  const run = (cmd, args) => {
    const r = spawnSync(join(bin, cmd), args, { ...ids, encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`pg-dev: ${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run('initdb', ['-D', data, '-U', 'pacioli', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync']);
  rmSync(pwfile);

  let port = options.port ?? Number(process.env.PG_DEV_PORT ?? 55432);
  for (let tries = 0; !(await portFree(port)); tries++) {
    if (tries > 50) throw new Error('pg-dev: no free loopback port found');
    port++;
  }
  // Loopback only, no Unix socket; sized for a small shared machine.
  const serverOpts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories='' -c max_connections=100 -c shared_buffers=64MB`;
  const start = () => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', serverOpts, 'start']);
  start();

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    spawnSync(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], { ...ids, stdio: 'ignore', cwd: dir });
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  // For tests of what a database crash does: an immediate stop (no checkpoint, as after a power cut), then a start
  // on the same data directory, which replays the WAL.
  const crash = () => run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  const restart = () => start();
  const url = `postgres://pacioli:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (!options.quiet) console.error(`pg-dev: PostgreSQL running on 127.0.0.1:${port}, data in ${dir}`);
  return { url, port, dir, stop, crash, restart };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const pg = await startPostgres();
  console.log(`DATABASE_URL=${pg.url}`);
  const quit = () => {
    pg.stop();
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  setInterval(() => {}, 1 << 30);
}
