// The public types, as a consumer under `strict` sees them from the packed .d.ts files.
import { openLedger, openStore, recoverStore, StoreError, type Store, type StoreOptions } from 'pacioli';
import { StoreProvider, useLiveQuery, useStore, type LiveQuery } from 'pacioli/react';
import * as preactBinding from 'pacioli/preact';
import { createElement, type ReactNode } from 'react';
import { h } from 'preact';

export async function use(): Promise<bigint> {
  const options: StoreOptions = { name: 'books', durability: 'relaxed', wasmUrl: '/sql-wasm.wasm', worker: () => new Worker('/w.js', { type: 'module' }) };
  const store: Store = await openStore(options);
  const [row] = await store.query<{ balance: bigint }>('SELECT balance FROM account WHERE id = ?', ['alice']);
  const result = await store.run('INSERT INTO account VALUES (?, ?)', ['bob', 1n]);
  const changes: number = result.changes;
  const stop: () => void = store.watch<{ n: number }>('SELECT n FROM t', [], (rows) => rows.map((r) => r.n));
  stop();
  await recoverStore('books', { durability: 'strict', wasmUrl: new URL('/sql-wasm.wasm', location.href) });
  const ledger = await openLedger({ name: 'bitcraps' });
  await ledger.audit();
  try {
    await store.run('x');
  } catch (e) {
    if (e instanceof StoreError) {
      const code: 'CONSTRAINT' | string = e.code;
      void code;
    }
  }
  // @ts-expect-error durability is 'strict' | 'relaxed', not any string
  await openStore({ name: 'x', durability: 'fast' });
  // @ts-expect-error query's rows are typed: no such column
  void row?.owner;
  return (row?.balance ?? 0n) + BigInt(changes);
}

export function Rows(): ReactNode {
  const live: LiveQuery<{ id: string }> = useLiveQuery<{ id: string }>('SELECT id FROM account WHERE balance > ?', [0]);
  const store: Store = useStore();
  void store;
  // @ts-expect-error rows may be undefined while loading
  void live.rows.length;
  return live.loading ? null : live.rows?.map((r) => r.id).join(', ');
}

export const reactTree = (store: Store) => createElement(StoreProvider, { store }, createElement(Rows));
export const preactTree = (store: Store) => h(preactBinding.StoreProvider, { store }, h(() => preactBinding.useLiveQuery<{ id: string }>('SELECT 1').rows?.length ?? 0, {}));
