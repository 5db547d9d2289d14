/**
 * The five phases the IndexedDB fault tests strike (open, commit, fold,
 * restore, migration): how each sets up, what operation the fault hits,
 * and the balances the books must show if it succeeded or failed. The
 * functions run in the page (self-contained), on `window.idbCase`.
 */
import type { Page } from '@playwright/test';

/** The phase a fault hits. */
export type Phase = 'open' | 'commit' | 'fold' | 'restore' | 'migration';

/** What an operation did, as plain data. */
export interface Outcome {
  ok: boolean;
  code?: string;
  typed?: boolean;
  message?: string;
  hung?: boolean;
}

/** Balances of a and b when the phase's operation took effect, and when it did not. */
export const EXPECTED: Record<Phase, { ok: [number, number]; failed: [number, number] }> = {
  open: { ok: [1000, 1000], failed: [1000, 1000] },
  commit: { ok: [993, 1007], failed: [1000, 1000] },
  fold: { ok: [990, 1010], failed: [990, 1010] },
  restore: { ok: [1000, 1000], failed: [950, 1050] },
  migration: { ok: [1000, 1000], failed: [1000, 1000] },
};

/** The extra migration of the migration phase. */
export const MIGRATION_2 = { version: 3, name: 'notes', up: 'CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT; INSERT INTO note (body) SELECT id FROM operation' };

type CaseState = { store?: Awaited<ReturnType<typeof window.pacioli.openStore>>; backup?: Uint8Array };
declare global {
  interface Window {
    idbCase: CaseState;
  }
}

/** Creates the books `name` (players a and b, 1000 each) and closes them; in a page without faults. */
export async function createBooks(page: Page, name: string): Promise<void> {
  await page.evaluate(async (name) => {
    const ledger = await window.pacioli.openLedger({ name });
    await ledger.createPlayer('a', 1000n);
    await ledger.createPlayer('b', 1000n);
    await ledger.store.close();
  }, name);
}

/** Opens the books in the faulty page and brings them to the state the phase's operation starts from. */
export async function prepare(page: Page, phase: Phase, name: string): Promise<void> {
  await page.evaluate(async ({ phase, name }) => {
    const P = window.pacioli;
    window.idbCase = {};
    if (phase === 'open' || phase === 'migration') return;
    const store = (window.idbCase.store = await P.openStore({ name, migrations: P.LEDGER_MIGRATIONS }));
    const ledger = new P.Ledger(store);
    if (phase === 'fold') for (let i = 0; i < 5; i++) await ledger.transfer('a', 'b', 2n);
    if (phase === 'restore') {
      window.idbCase.backup = await store.exportBackup();
      await ledger.transfer('a', 'b', 50n);
    }
  }, { phase, name });
}

/** Runs the phase's operation (the one the armed fault hits); a call still pending after 20 s counts as hung. */
export function strike(page: Page, phase: Phase, name: string): Promise<Outcome> {
  return page.evaluate(async ({ phase, name, migration }) => {
    const P = window.pacioli;
    const c = window.idbCase;
    const op = async () => {
      switch (phase) {
        case 'open':
          c.store = await P.openStore({ name, migrations: P.LEDGER_MIGRATIONS });
          return;
        case 'migration':
          c.store = await P.openStore({ name, migrations: [...P.LEDGER_MIGRATIONS, migration] });
          return;
        case 'commit':
          await new P.Ledger(c.store!).transfer('a', 'b', 7n, { idempotencyKey: 'the-commit' });
          return;
        case 'fold':
          await c.store!.compact();
          return;
        case 'restore':
          await c.store!.restoreBackup(c.backup!);
          return;
      }
    };
    const hung = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000));
    try {
      if ((await Promise.race([op().then(() => 'done' as const), hung])) === 'hung') return { ok: false, hung: true };
      return { ok: true };
    } catch (e) {
      return { ok: false, code: (e as { code?: string }).code, typed: P.isStoreError(e), message: String((e as Error).message) };
    }
  }, { phase, name, migration: MIGRATION_2 });
}

/** Balances a, b in the faulty page's open store (memory), or null when it has none open. */
export function memoryBalances(page: Page): Promise<[number, number] | null> {
  return page.evaluate(async () => {
    const store = window.idbCase.store;
    if (!store) return null;
    const ledger = new window.pacioli.Ledger(store);
    return [Number(await ledger.getBalance('a')), Number(await ledger.getBalance('b'))] as [number, number];
  });
}

/** After healing: the phase's operation again (or the open), which must now work; then closes the store. */
export function again(page: Page, phase: Phase, name: string): Promise<Outcome> {
  return page.evaluate(async ({ phase, name, migration }) => {
    const P = window.pacioli;
    const c = (window.idbCase ??= {});
    try {
      if (!c.store) c.store = await P.openStore({ name, migrations: phase === 'migration' ? [...P.LEDGER_MIGRATIONS, migration] : P.LEDGER_MIGRATIONS });
      const ledger = new P.Ledger(c.store);
      if (phase === 'commit') await ledger.transfer('a', 'b', 7n, { idempotencyKey: 'the-commit' });
      if (phase === 'fold') await c.store.compact();
      if (phase === 'restore') await c.store.restoreBackup(c.backup!);
      await c.store.close();
      c.store = undefined;
      return { ok: true };
    } catch (e) {
      return { ok: false, code: (e as { code?: string }).code, typed: P.isStoreError(e), message: String((e as Error).message) };
    }
  }, { phase, name, migration: MIGRATION_2 });
}

/** Opens the books from disk in a clean page: balances, audit, schema version; closes them again. */
export function fromDisk(page: Page, name: string): Promise<{ balances: [number, number]; auditOk: boolean; problems: string[]; version: number }> {
  return page.evaluate(async ({ name, migration }) => {
    const P = window.pacioli;
    // Knows migration 2 without applying it, so a store at version 2 is not "ahead" and one at 1 stays at 1.
    const store = await P.openStore({ name, migrations: [...P.LEDGER_MIGRATIONS, migration], autoMigrate: false });
    try {
      const ledger = new P.Ledger(store);
      const audit = await ledger.audit();
      return { balances: [Number(await ledger.getBalance('a')), Number(await ledger.getBalance('b'))] as [number, number], auditOk: audit.ok, problems: audit.problems, version: await store.schemaVersion() };
    } finally {
      await store.close();
    }
  }, { name, migration: MIGRATION_2 });
}
