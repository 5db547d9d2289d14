// useLiveQuery in a React component; window.check lets the test change the key and unmount.
import { createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { openStore } from 'pacioli';
import { StoreProvider, useLiveQuery } from 'pacioli/react';
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
  const root = createRoot(document.getElementById('app'));
  root.render(h(App));
  window.check = { active: subscriptions.active, renders: counter.renders, setKey: (k) => setKey(k), unmount: () => root.unmount() };
  return { ready: true };
}
