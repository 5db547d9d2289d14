// The same as react-check.js, through pacioli/preact on preact/hooks.
import { h, render } from 'preact';
import { useState } from 'preact/hooks';
import { openStore } from 'pacioli';
import { StoreProvider, useLiveQuery } from 'pacioli/preact';
import { countSubscriptions, Counter } from './live-check.js';

export default async function check(params) {
  const store = await openStore({ name: params.get('name') });
  await store.run('CREATE TABLE IF NOT EXISTS counter(k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
  const subscriptions = countSubscriptions(store);
  const counter = Counter(h, useLiveQuery);
  let setKey;
  function App() {
    const [k, set] = useState('a');
    setKey = set;
    return h(StoreProvider, { store }, h(counter.component, { k }));
  }
  const root = document.getElementById('app');
  render(h(App, {}), root);
  window.check = { active: subscriptions.active, renders: counter.renders, setKey: (k) => setKey(k), unmount: () => render(null, root) };
  return { ready: true };
}
