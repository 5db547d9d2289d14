/**
 * What the kill harness runs inside the page. Each function is passed to
 * `page.evaluate`, so it must be self-contained (no imports at run time).
 * The workload reports every step on the console as `FAULT {json}`, in
 * order, so the Node side knows what was started and what acknowledged
 * even when the browser dies a moment later.
 */
import type { Migration } from '../../src/shared/types';

/** The moment a round's workload heads for, where the kill is aimed. */
export type KillMode = 'commit' | 'fold' | 'restore' | 'migration';

/** One round's workload, as plain data. */
export interface WorkPlan {
  name: string;
  mode: KillMode;
  round: number;
  players: string[];
  /** Extra migrations already known (applied or pending), after the ledger's. */
  migrations: Migration[];
  /** In `migration` mode: the new migration the open applies. */
  newMigration?: Migration;
  compactAfterBytes: number;
  /**
   * The transfers to make, in order; the i-th has key `r<round>-<i>`. Node
   * draws them, so it knows every key even if a console report is lost with
   * the browser.
   */
  transfers: { from: string; to: string; amount: number }[];
}

/** A console report of the workload. */
export type Report =
  | { t: 'opened' }
  | { t: 'start'; key: string; from: string; to: string; amount: number }
  | { t: 'ack'; key: string; replayed: boolean }
  | { t: 'err'; key: string; code: string | undefined; message: string }
  | { t: 'backup' | 'restore-start' | 'restore-ack' | 'migrate-start' | 'migrate-ack' | 'fold-start' | 'fold-ack' }
  | { t: 'fail'; what: string; code: string | undefined; message: string };

/** Starts the workload in the page and returns at once; it runs until the browser dies. */
export function startWork(plan: WorkPlan): void {
  const say = (report: Report) => console.log(`FAULT ${JSON.stringify(report)}`);
  const describe = (e: unknown) => ({ code: (e as { code?: string }).code, message: String((e as Error).message ?? e) });
  const P = window.pacioli;
  void (async () => {
    const known = [...P.LEDGER_MIGRATIONS, ...plan.migrations];
    if (plan.mode === 'migration' && plan.newMigration) say({ t: 'migrate-start' });
    const store = await P.openStore({
      name: plan.name,
      migrations: plan.newMigration ? [...known, plan.newMigration] : known,
      compactAfterBytes: plan.compactAfterBytes,
    });
    if (plan.mode === 'migration') say({ t: 'migrate-ack' });
    say({ t: 'opened' });
    const ledger = new P.Ledger(store);
    let i = 0;
    const transfer = async () => {
      const planned = plan.transfers[i];
      if (!planned) throw new Error('the planned transfers ran out');
      const key = `r${plan.round}-${i++}`;
      const { from, to, amount } = planned;
      say({ t: 'start', key, from, to, amount });
      try {
        const receipt = await ledger.transfer(from, to, BigInt(amount), { idempotencyKey: key });
        say({ t: 'ack', key, replayed: receipt.replayed });
      } catch (e) {
        say({ t: 'err', key, ...describe(e) });
        // Only a refusal leaves the store usable; after anything else (a dead worker) stop, or the loop would spin.
        if ((e as { code?: string }).code !== 'INSUFFICIENT_FUNDS') throw e;
      }
    };
    if (plan.mode === 'restore') {
      for (let n = 0; n < 5; n++) await transfer();
      const backup = await store.exportBackup();
      say({ t: 'backup' });
      for (let n = 0; n < 5; n++) await transfer();
      say({ t: 'restore-start' });
      await store.restoreBackup(backup);
      say({ t: 'restore-ack' });
    }
    for (let n = 1; ; n++) {
      await transfer();
      if (plan.mode === 'fold' && n % 6 === 0) {
        say({ t: 'fold-start' });
        store.compact().then(
          () => say({ t: 'fold-ack' }),
          (e: unknown) => say({ t: 'fail', what: 'compact', ...describe(e) }),
        );
      }
    }
  })().catch((e: unknown) => say({ t: 'fail', what: 'workload', ...describe(e) }));
}

/** What the page found after a relaunch. */
export interface Found {
  storageLost: boolean;
  recoveredSeq: number | null;
  keys: string[];
  balances: Record<string, string>;
  audit: { ok: boolean; problems: string[]; totalSupply: string };
  migrationsApplied: number[];
  migrationTables: string[];
  openError: { code: string | undefined; message: string } | null;
}

/**
 * The store's storage as the relaunched browser shows it, read raw before
 * the store opens (so before anything could cut a torn tail off): the
 * snapshot pointer, the IndexedDB log's keys, and each OPFS log file with
 * its size, the commits its records name and the last workload key in it.
 * Records are walked by their lengths, unchecked: this is a report.
 * Passed to `page.evaluate` alone, before `inspect`.
 */
export async function storageView(name: string): Promise<string[]> {
  const out: string[] = [];
  const dbName = `pacioli:${name}`;
  if ((await indexedDB.databases()).some((d) => d.name === dbName)) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(dbName);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    try {
      const store = db.transaction('log').objectStore('log');
      const ask = <T>(request: IDBRequest<T>) => new Promise<T>((resolve, reject) => ((request.onsuccess = () => resolve(request.result)), (request.onerror = () => reject(request.error))));
      const meta = (await ask(store.get('meta'))) as { snapshotSeq?: number } | undefined;
      const keys = (await ask(store.getAllKeys(IDBKeyRange.bound(0, Infinity)))).map(Number);
      out.push(`IndexedDB: snapshot pointer at commit ${meta?.snapshotSeq ?? 'none'}, log entries ${keys.length ? `${keys[0]}–${keys.at(-1)} (${keys.length})` : 'none'}`);
    } finally {
      db.close();
    }
  } else out.push('IndexedDB: no log database');
  try {
    const top = await (await navigator.storage.getDirectory()).getDirectoryHandle('pacioli-log');
    for await (const [stem, dir] of (top as unknown as { entries(): AsyncIterable<[string, FileSystemDirectoryHandle]> }).entries()) {
      for await (const [file, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemFileHandle]> }).entries()) {
        const bytes = new Uint8Array(await (await handle.getFile()).arrayBuffer());
        const view = new DataView(bytes.buffer);
        let at = 0;
        let count = 0;
        let first = NaN;
        let last = NaN;
        while (at + 16 <= bytes.length && at + 16 + view.getUint32(at, true) <= bytes.length) {
          last = view.getFloat64(at + 8, true);
          if (count++ === 0) first = last;
          at += 16 + view.getUint32(at, true);
        }
        const tail = at > 0 ? new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, at - 400), at)).match(/r\d+-\d+/g)?.at(-1) : undefined;
        out.push(`OPFS ${stem.slice(0, 8)}/${file}: ${bytes.length} B, ${count ? `commits ${first}–${last}` : 'no record'}${at < bytes.length ? `, then ${bytes.length - at} B` : ''}, last key ${tail ?? 'none'}`);
      }
    }
  } catch (e) {
    out.push(`OPFS log: ${(e as Error).name === 'NotFoundError' ? 'none' : String(e)}`);
  }
  return out;
}

/**
 * Opens the ledger after a relaunch without migrating (so a migration cut by
 * the kill shows as it was left), recovering from STORAGE_LOST, and reads
 * everything the checks need. Keeps the store on `window.faultStore`.
 */
export async function inspect(args: { name: string; migrations: Migration[]; players: string[] }): Promise<Found> {
  const P = window.pacioli;
  const options = { name: args.name, migrations: [...P.LEDGER_MIGRATIONS, ...args.migrations], autoMigrate: false };
  let storageLost = false;
  let recoveredSeq: number | null = null;
  let store;
  try {
    store = await P.openStore(options);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'STORAGE_LOST') {
      return { storageLost, recoveredSeq, keys: [], balances: {}, audit: { ok: false, problems: [], totalSupply: '0' }, migrationsApplied: [], migrationTables: [], openError: { code, message: String((e as Error).message) } };
    }
    storageLost = true;
    recoveredSeq = (await P.recoverStore(args.name)).seq;
    store = await P.openStore(options);
  }
  (window as unknown as { faultStore: typeof store }).faultStore = store;
  const ledger = new P.Ledger(store);
  const keys = (await store.query<{ k: string }>(`SELECT idempotency_key AS k FROM operation WHERE idempotency_key IS NOT NULL`)).map((r) => r.k);
  const balances: Record<string, string> = {};
  for (const p of args.players) balances[p] = String(await ledger.getBalance(p));
  const audit = await ledger.audit();
  const migrationsApplied = (await store.query<{ v: number }>('SELECT version AS v FROM pacioli_migrations ORDER BY version')).map((r) => r.v);
  const migrationTables = (await store.query<{ n: string }>(`SELECT name AS n FROM sqlite_schema WHERE type = 'table' AND name LIKE 'mig\\_%' ESCAPE '\\'`)).map((r) => r.n);
  return { storageLost, recoveredSeq, keys, balances, audit: { ...audit, totalSupply: String(audit.totalSupply) }, migrationsApplied, migrationTables, openError: null };
}

/** Retries transfers with their original keys on `window.faultStore`; the receipts' `replayed`, or the error code. */
export async function retry(transfers: { key: string; from: string; to: string; amount: number }[]): Promise<({ replayed: boolean } | { code: string | undefined })[]> {
  const store = (window as unknown as { faultStore: Awaited<ReturnType<typeof window.pacioli.openStore>> }).faultStore;
  const ledger = new window.pacioli.Ledger(store);
  const out: ({ replayed: boolean } | { code: string | undefined })[] = [];
  for (const t of transfers) {
    try {
      out.push({ replayed: (await ledger.transfer(t.from, t.to, BigInt(t.amount), { idempotencyKey: t.key })).replayed });
    } catch (e) {
      out.push({ code: (e as { code?: string }).code });
    }
  }
  return out;
}

/** Balances of `players` on `window.faultStore`, then applies pending migrations and closes the store. */
export async function finish(players: string[]): Promise<Record<string, string>> {
  const store = (window as unknown as { faultStore: Awaited<ReturnType<typeof window.pacioli.openStore>> }).faultStore;
  const ledger = new window.pacioli.Ledger(store);
  const balances: Record<string, string> = {};
  for (const p of players) balances[p] = String(await ledger.getBalance(p));
  await store.migrate();
  await store.close();
  return balances;
}
