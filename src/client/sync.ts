/**
 * Sync beyond one device, page side: `ledger.sync`. Creating or joining a
 * shared ledger talks to the server once and records the device's
 * credentials in the ledger's own SQLite; from then on every ledger write
 * is queued in the outbox in its own transaction (in the worker), and
 * `start()` runs the loop that pushes it and pulls the canonical log
 * (sync-engine.ts). A ledger that never joins runs none of this.
 */
import type { InviteAnswer, Joined } from '../sync/protocol';
import type { Role, SyncState } from '../sync/device-types';
import { StoreError } from '../shared/errors';
import type { Store } from './store';
import { SyncEngine, type EngineLive } from './sync-engine';
import { request, serverBase } from './sync-http';

/** The durable sync state plus the live condition of the loop in this tab. */
export interface SyncStatus extends SyncState, EngineLive {}

/** A single-use invitation for another device. */
export interface SyncInvite {
  /** Give this code (with the server URL), or a link carrying both, to the other device. */
  code: string;
  role: Role;
  expiresAt: string;
}

/** Reads an invite code, or a link with `invite=` (and maybe `server=`) in its query or hash. */
export function parseInvite(text: string): { ledgerId: string; invite: string; serverUrl?: string } {
  const trimmed = text.trim();
  const query = /[?&#]invite=([^&#\s]+)/.exec(trimmed);
  const server = /[?&#]server=([^&#\s]+)/.exec(trimmed);
  const code = query ? decodeURIComponent(query[1]!) : trimmed;
  const dot = code.indexOf('.');
  if (dot < 1 || dot === code.length - 1) throw new StoreError('INVALID_ARGUMENT', 'this is not an invite code: it looks like <ledger id>.<secret>');
  return { ledgerId: code.slice(0, dot), invite: code.slice(dot + 1), ...(server ? { serverUrl: decodeURIComponent(server[1]!) } : {}) };
}

/** A ledger's sync: create or join a shared ledger, invite devices, run the loop, watch the status. */
export class LedgerSync {
  private readonly engine: SyncEngine;
  private readonly listeners = new Set<() => void>();

  /** @internal use `ledger.sync` */
  constructor(private readonly store: Store) {
    this.engine = new SyncEngine(store, () => this.listeners.forEach((l) => l()));
  }

  /** The durable sync state, as every tab of the ledger sees it. */
  state(): Promise<SyncState> {
    return this.store.syncCall('state', []);
  }

  /**
   * Creates a shared ledger on the server at `serverUrl`; this device becomes its owner. Only an empty
   * ledger can be shared (`INVALID_ARGUMENT` otherwise). `createToken` is the server's, if it has one.
   */
  async create(serverUrl: string, options: { createToken?: string } = {}): Promise<SyncState> {
    const base = serverBase(serverUrl);
    await this.refuseUnlessEmpty();
    const joined = await request<Joined>(base, 'POST', '/v1/ledgers', { body: {}, ...(options.createToken ? { token: options.createToken } : {}) });
    return this.adopt(joined, base);
  }

  /** Joins a shared ledger with an invite code or link (see `invite`). Only an empty ledger joins. */
  async join(options: { invite: string; serverUrl?: string }): Promise<SyncState> {
    const parsed = parseInvite(options.invite);
    const url = options.serverUrl?.trim() || parsed.serverUrl;
    if (!url) throw new StoreError('INVALID_ARGUMENT', 'give the sync server URL with the invite code');
    const base = serverBase(url);
    await this.refuseUnlessEmpty();
    const joined = await request<Joined>(base, 'POST', `/v1/ledgers/${encodeURIComponent(parsed.ledgerId)}/join`, { body: { invite: parsed.invite } });
    return this.adopt(joined, base);
  }

  /** A single-use invite for another device (owner devices only; `member` by default, valid 7 days). */
  async invite(options: { role?: Role; ttlSeconds?: number } = {}): Promise<SyncInvite> {
    const me = await this.store.syncCall('credentials', []);
    if (!me) throw new StoreError('INVALID_ARGUMENT', 'this ledger is not shared yet');
    if (me.role !== 'owner') throw new StoreError('FORBIDDEN', "only an owner's device may invite");
    const answer = await request<InviteAnswer>(me.serverUrl, 'POST', `/v1/ledgers/${encodeURIComponent(me.ledgerId)}/invites`, { token: me.deviceToken, body: options });
    return { code: `${me.ledgerId}.${answer.invite}`, role: answer.role, expiresAt: answer.expiresAt };
  }

  /** Starts the sync loop in this tab (one tab of the origin runs it at a time; the others take over). Safe to call again. */
  start(): void {
    this.engine.start();
  }

  /** Stops the loop in this tab; queued ops stay queued. */
  stop(): void {
    this.engine.stop();
  }

  /** True while this tab runs (or waits to run) the loop. */
  get running(): boolean {
    return this.engine.running;
  }

  /** The durable state and the loop's live condition; again after every change in any tab. Returns the unsubscribe. */
  watch(callback: (status: SyncStatus) => void, onError?: (error: unknown) => void): () => void {
    let latest: SyncState | undefined;
    const emit = () => latest && callback({ ...latest, ...this.engine.live });
    const unwatch = this.store.watch(
      `SELECT (SELECT count(*) FROM sync_outbox) AS pending, (SELECT count(*) FROM sync_rejection) AS rejected,
              (SELECT cursor || '/' || coalesce(last_sync_at, '') FROM sync_state) AS at`,
      undefined,
      () =>
        void this.state().then(
          (s) => ((latest = s), emit()),
          (error: unknown) => onError?.(error),
        ),
      onError,
    );
    this.listeners.add(emit);
    return () => (this.listeners.delete(emit), unwatch());
  }

  private async refuseUnlessEmpty(): Promise<void> {
    const state = await this.state();
    if (state.joined) throw new StoreError('INVALID_ARGUMENT', 'this ledger is already shared');
    const [row] = await this.store.query<{ n: number }>(`SELECT count(*) AS n FROM account WHERE kind <> 'house'`);
    if ((row?.n ?? 0) > 0) throw new StoreError('INVALID_ARGUMENT', `only an empty ledger can be shared or join a shared one: this one already holds ${row!.n} players or games`);
  }

  private async adopt(joined: Joined, base: string): Promise<SyncState> {
    const state = await this.store.syncCall('join', [joined, base]);
    this.engine.wake();
    return state;
  }
}
