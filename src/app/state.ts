/**
 * App-wide state as Preact signals: the live player list, the route, and a
 * count of writes in flight (the update prompt waits for it to reach zero, so
 * a new version never reloads the page in the middle of a write).
 */
import { signal } from '@preact/signals';

/** The store the app keeps its ledger in (also the start of a backup file's name). */
export const STORE_NAME = 'bitcraps';

/** A player and its balance, as the live query delivers them. */
export interface PlayerRow {
  id: string;
  balance: bigint;
}

/** Every player with a live balance (from `ledger.watchPlayers`). */
export const players = signal<PlayerRow[]>([]);
/** True once the live query delivered its first rows. */
export const playersLoaded = signal(false);
/** Writes (and restores) in flight. */
export const inFlight = signal(0);
/** Set when the database was migrated by newer code in another tab. */
export const schemaAhead = signal(false);

/** The views of the bottom navigation, in order. */
export const VIEWS = ['players', 'send', 'craps', 'sync', 'backup', 'storage', 'audit'] as const;
export type View = (typeof VIEWS)[number];

/** Where the hash points: a view, and for `players` optionally one player's history. */
export interface Route {
  view: View;
  player?: string;
}

/** Reads `#/view` or `#/players/<id>` (a `?query` after it is the view's own); anything else is the player list. */
export function parseRoute(hash: string): Route {
  const [view, ...rest] = hash.replace(/^#\/?/, '').split('?')[0]!.split('/');
  if (!(VIEWS as readonly string[]).includes(view ?? '')) return { view: 'players' };
  const player = rest.length ? decodeURIComponent(rest.join('/')) : undefined;
  return player && view === 'players' ? { view, player } : { view: view as View };
}

export const route = signal<Route>(parseRoute(typeof location === 'undefined' ? '' : location.hash));
if (typeof window !== 'undefined') window.addEventListener('hashchange', () => (route.value = parseRoute(location.hash)));

/** Counts a write as in flight until it settles. */
export async function tracked<T>(work: () => Promise<T>): Promise<T> {
  inFlight.value++;
  try {
    return await work();
  } finally {
    inFlight.value--;
  }
}
