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
import { storeHooks, type LiveQuery } from '../hooks/live-query';
import type { Store } from '../index';

export type { LiveQuery };

const StoreContext = createContext<Store | undefined>(undefined);

/** Makes `store` the one `useStore` and `useLiveQuery` use below it. */
export function StoreProvider(props: { store: Store; children?: ComponentChildren }): ComponentChildren {
  return h(StoreContext.Provider, { value: props.store }, props.children);
}

export const { useStore, useLiveQuery } = storeHooks(StoreContext, useContext, { useState, useEffect });
