/**
 * `pacioli/preact`: live queries for Preact components, the same hooks as
 * `pacioli/react` on `preact/hooks` (no `preact/compat` needed). Preact is a peer
 * dependency of the package, never bundled into it.
 *
 * ```ts
 * import { h, render } from 'preact';
 * import { openStore } from 'pacioli';
 * import { StoreProvider, useLiveQuery } from 'pacioli/preact';
 *
 * const store = await openStore({ name: 'books' });
 * function Balances() {
 *   const { rows, loading, error } = useLiveQuery<{ id: string; balance: bigint }>('SELECT id, balance FROM account');
 *   // …render rows; they change when any tab commits to `account`
 * }
 * render(h(StoreProvider, { store }, h(Balances, {})), document.body);
 * ```
 *
 * @module pacioli/preact
 */
import { createContext, h, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { liveQuery, type LiveQuery } from '../hooks/live-query';
import type { SqlParams, Store } from '../index';

export type { LiveQuery };

const StoreContext = createContext<Store | undefined>(undefined);

/** Makes `store` the one `useStore` and `useLiveQuery` use below it. */
export function StoreProvider(props: { store: Store; children?: ComponentChildren }): ComponentChildren {
  return h(StoreContext.Provider, { value: props.store }, props.children);
}

/** The store of the nearest `StoreProvider`; throws outside one. */
export function useStore(): Store {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore needs a store: render it inside <StoreProvider store={…}>');
  return store;
}

/**
 * A live query: the rows of `sql`, kept current as this tab or any other
 * commits to a table it reads (through `store.watch`). Resubscribes when
 * `sql` or `params` change (params compare by value), and unsubscribes on
 * unmount. The store is the nearest `StoreProvider`'s unless
 * `options.store` names one.
 */
export function useLiveQuery<T = Record<string, unknown>>(sql: string, params?: SqlParams, options: { store?: Store } = {}): LiveQuery<T> {
  const provided = useContext(StoreContext);
  return liveQuery<T>({ useState, useEffect }, options.store ?? provided, sql, params);
}
