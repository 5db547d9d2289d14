// Shared by react-check.js and preact-check.js.

/** Wraps store.watch to count the subscriptions still held: a leak shows as a count above what is mounted. */
export function countSubscriptions(store) {
  let active = 0;
  const watch = store.watch.bind(store);
  store.watch = (...args) => {
    active++;
    const stop = watch(...args);
    let stopped = false;
    return () => {
      if (!stopped) active--;
      stopped = true;
      stop();
    };
  };
  return { active: () => active };
}

/** A component showing counter k's value through useLiveQuery, and how often it rendered. */
export function Counter(h, useLiveQuery) {
  let renders = 0;
  function component({ k }) {
    const { rows, loading, error } = useLiveQuery('SELECT n FROM counter WHERE k = ?', [k]);
    renders++;
    const text = error ? `error ${error.code}` : loading ? 'loading' : rows.length ? `${k}=${rows[0].n}` : `${k}=none`;
    return h('output', { id: 'out' }, text);
  }
  return { component, renders: () => renders };
}
