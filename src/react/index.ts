/**
 * `pacioli/react`: live queries for React components. React is a peer
 * dependency of the package, never bundled into it.
 *
 * ```ts
 * import { createElement } from 'react';
 * import { openStore } from 'pacioli';
 * import { StoreProvider, useLiveQuery } from 'pacioli/react';
 *
 * const store = await openStore({ name: 'books' });
 * function Balances() {
 *   const { rows, loading, error } = useLiveQuery<{ id: string; balance: bigint }>('SELECT id, balance FROM account');
 *   // …render rows; they change when any tab commits to `account`
 * }
 * root.render(createElement(StoreProvider, { store }, createElement(Balances)));
 * ```
 *
 * @module pacioli/react
 */
import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react';
import { storeHooks, type LiveQuery } from '../hooks/live-query';
import type { Store } from '../index';

export type { LiveQuery };

const StoreContext = createContext<Store | undefined>(undefined);

/** Makes `store` the one `useStore` and `useLiveQuery` use below it. */
export function StoreProvider(props: { store: Store; children?: ReactNode }): ReactNode {
  return createElement(StoreContext.Provider, { value: props.store }, props.children);
}

export const { useStore, useLiveQuery } = storeHooks(StoreContext, useContext, { useState, useEffect });
