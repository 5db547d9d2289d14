/**
 * What the worker pushes to the page: changes (for live queries) and
 * schema-ahead. One instance per open store; the store's `on` and `watch`
 * are built on it.
 */
import type { HostEvent } from '../shared/contract';
import { StoreError } from '../shared/errors';
import type { SqlParams } from '../shared/types';
import type { WorkerLink } from './worker-link';

/** Events a store emits. */
export type StoreEvent = 'schema-ahead';

interface Watcher {
  /** The tables its query reads; undefined: any; null: not known yet (its first run reads the latest anyway). */
  tables: string[] | undefined | null;
  refresh: () => void;
}

export class HostEvents {
  private readonly listeners = new Set<() => void>();
  private readonly watchers = new Set<Watcher>();
  /** True once the store learnt the database was migrated by newer code than this page's. */
  schemaAhead = false;

  constructor(
    private readonly link: WorkerLink,
    private readonly query: <T>(sql: string, params?: SqlParams) => Promise<T[]>,
  ) {}

  /** Takes one event from the worker. */
  dispatch(event: HostEvent): void {
    if (event.type === 'schema-ahead') return this.noticeSchemaAhead();
    const { tables } = event.notice;
    for (const w of this.watchers) {
      if (w.tables === null) continue;
      const hit = tables === 'all' || w.tables === undefined || w.tables.some((t) => tables.some((c) => c.toLowerCase() === t.toLowerCase()));
      if (hit) w.refresh();
    }
  }

  noticeSchemaAhead(): void {
    if (this.schemaAhead) return;
    this.schemaAhead = true;
    for (const listener of this.listeners) queueMicrotask(listener);
  }

  on(event: StoreEvent, listener: () => void): () => void {
    if (event !== 'schema-ahead') throw new StoreError('INVALID_ARGUMENT', `unknown event ${String(event)}`);
    this.listeners.add(listener);
    if (this.schemaAhead) queueMicrotask(listener);
    return () => this.listeners.delete(listener);
  }

  watch<T>(sql: string, params: SqlParams | undefined, callback: (rows: T[]) => void, onError: (error: unknown) => void): () => void {
    let active = true;
    let running = false;
    let dirty = false;
    const refresh = async (): Promise<void> => {
      if (running) return void (dirty = true);
      running = true;
      do {
        dirty = false;
        try {
          const rows = await this.query<T>(sql, params);
          if (active) callback(rows);
        } catch (error) {
          if (active) onError(error);
        }
      } while (dirty && active);
      running = false;
    };
    const watcher: Watcher = { tables: null, refresh: () => void refresh() };
    // The worker sends change events only while some live query listens (sent before the query's first run).
    if (this.watchers.size === 0) void this.link.call((api) => api.setWatching(true)).catch(() => undefined);
    this.watchers.add(watcher);
    this.link.call((api) => api.tablesRead(sql)).then(
      (tables) => {
        watcher.tables = tables;
        if (active) void refresh();
      },
      (error: unknown) => active && onError(error),
    );
    return () => {
      active = false;
      if (this.watchers.delete(watcher) && this.watchers.size === 0) void this.link.call((api) => api.setWatching(false)).catch(() => undefined);
    };
  }
}
