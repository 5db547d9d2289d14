/**
 * The live-query hook, once for React and Preact: each binding (src/react/,
 * src/preact/) hands in its own `useState` and `useEffect`, so neither
 * library is imported here and neither is ever bundled into the package.
 */
import type { SqlParams, Store } from '../index';

/** What `useLiveQuery` returns: the rows, or why there are none yet. */
export interface LiveQuery<T> {
  /** The query's rows, current with every commit in any tab; undefined until the first result (and after sql or params change). */
  rows: T[] | undefined;
  /** True until rows (or an error) arrive for the current sql and params. */
  loading: boolean;
  /** The last failure of the query (usually a `StoreError`); cleared by the next result. */
  error: unknown;
}

/** The two hooks the live query needs, as React and Preact both shape them. */
export interface HookKit {
  useState<S>(initial: S): [S, (next: S | ((previous: S) => S)) => void];
  useEffect(effect: () => void | (() => void), deps: readonly unknown[]): void;
}

interface State<T> extends LiveQuery<T> {
  /** Which store, sql and params these rows belong to. */
  key: unknown[];
}

/**
 * A stable key for params: bigint and Uint8Array compare by value, so a new
 * but equal params object does not resubscribe. They become objects, which
 * no parameter value can be, so `1n` never keys like `'1n'` or `'1'`.
 */
export function paramsKey(params: SqlParams | undefined): string {
  return JSON.stringify(params ?? null, (_, value: unknown) =>
    typeof value === 'bigint' ? { bigint: String(value) } : value instanceof Uint8Array ? { blob: Array.from(value) } : value,
  );
}

function sameKey(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The hook body: subscribes with `store.watch` while mounted, resubscribes
 * when the store, sql or params (by value) change, and unsubscribes on
 * unmount and before each resubscription. Results of a query that is no
 * longer current are dropped, never shown for the new one.
 */
export function liveQuery<T>(hooks: HookKit, store: Store | undefined, sql: string, params: SqlParams | undefined): LiveQuery<T> {
  const key = [store, sql, paramsKey(params)];
  const [state, setState] = hooks.useState<State<T>>({ key, rows: undefined, loading: true, error: undefined });
  hooks.useEffect(() => {
    if (!store) return undefined;
    let current = true;
    const unsubscribe = store.watch<T>(
      sql,
      params,
      (rows) => current && setState({ key, rows, loading: false, error: undefined }),
      (error) => current && setState((previous) => ({ key, rows: sameKey(previous.key, key) ? previous.rows : undefined, loading: false, error })),
    );
    return () => {
      current = false;
      unsubscribe();
    };
    // params are compared by value through key[2]
  }, key);
  if (!store) throw new Error('useLiveQuery needs a store: render it inside <StoreProvider store={…}>, or pass { store }');
  // Until the effect delivers rows for this key, the rows held belong to earlier sql or params.
  return sameKey(state.key, key) ? { rows: state.rows, loading: state.loading, error: state.error } : { rows: undefined, loading: true, error: undefined };
}

/**
 * The hooks a binding exports, made once for React and Preact from the
 * binding's own context and hooks.
 */
export function storeHooks<C>(context: C, useContext: (context: C) => Store | undefined, hooks: HookKit) {
  return {
    /** The store of the nearest `StoreProvider`; throws outside one. */
    useStore(): Store {
      const store = useContext(context);
      if (!store) throw new Error('useStore needs a store: render it inside <StoreProvider store={…}>');
      return store;
    },
    /**
     * A live query: the rows of `sql`, kept current as this tab or any other
     * commits to a table it reads (through `store.watch`). Resubscribes when
     * `sql` or `params` change (params compare by value), and unsubscribes on
     * unmount. The store is the nearest `StoreProvider`'s unless
     * `options.store` names one.
     */
    useLiveQuery<T = Record<string, unknown>>(sql: string, params?: SqlParams, options: { store?: Store } = {}): LiveQuery<T> {
      const provided = useContext(context);
      return liveQuery<T>(hooks, options.store ?? provided, sql, params);
    },
  };
}
