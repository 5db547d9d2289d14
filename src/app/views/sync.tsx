/**
 * The sync panel: share the ledger through a sync server, or join a shared
 * one with an invite code or link (`#/sync?server=…&invite=…`); then the
 * status (online or offline, pending ops, last sync), invites for other
 * devices, and the ops the server rejected with its reasons.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Ledger, SyncInvite, SyncStatus } from '../../index';
import { BusyButton, errorText, Field, formatTime, NoteLine, useBusy, type Note } from '../ui';
import { PendingList, RejectedList } from './sync-lists';

const SERVER_KEY = 'bitcraps-sync-server';

/** `server` and `invite` from an invite link opened in this app (`#/sync?server=…&invite=…`). */
function linkParams(): { server?: string; invite?: string } {
  const query = location.hash.split('?')[1] ?? '';
  const params = new URLSearchParams(query);
  return { server: params.get('server') ?? undefined, invite: params.get('invite') ?? undefined };
}

const CONNECTION: Record<SyncStatus['connection'], string> = {
  online: 'Online',
  offline: 'Offline',
  'other-tab': 'Syncing in another tab',
  stopped: 'Not syncing',
};

function NotShared({ ledger }: { ledger: Ledger }) {
  const link = linkParams();
  const [server, setServer] = useState(link.server ?? localStorage.getItem(SERVER_KEY) ?? '');
  const [invite, setInvite] = useState(link.invite ?? '');
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  const act = (what: 'create' | 'join') =>
    void run(async () => {
      try {
        if (what === 'create') await ledger.sync.create(server);
        else await ledger.sync.join({ invite, serverUrl: server });
        localStorage.setItem(SERVER_KEY, server.trim());
        ledger.sync.start();
        setNote({ kind: 'ok', text: what === 'create' ? 'Shared: this device owns the shared ledger.' : 'Joined the shared ledger.' });
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      }
    });
  return (
    <form class="card" aria-labelledby="share-title" noValidate onSubmit={(e) => (e.preventDefault(), act(invite.trim() ? 'join' : 'create'))}>
      <h2 id="share-title">Share this ledger</h2>
      <p>Keep one ledger on several devices. A sync server holds the shared books; every device keeps working offline and catches up when it is back. Only an empty ledger can be shared or join a shared one.</p>
      <Field id="sync-server" label="Server URL" value={server} onInput={setServer} hint="For example https://sync.example.org" describedBy="sync-note" />
      <BusyButton busy={busy} type="button" onClick={() => act('create')}>
        Create shared ledger
      </BusyButton>
      <Field id="sync-invite" label="Invite code or link" value={invite} onInput={setInvite} describedBy="sync-note" />
      <BusyButton busy={busy} type="button" onClick={() => act('join')}>
        Join shared ledger
      </BusyButton>
      <NoteLine id="sync-note" note={note} />
    </form>
  );
}

function Invite({ ledger, server }: { ledger: Ledger; server: string }) {
  const [invite, setInvite] = useState<SyncInvite | null>(null);
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  const make = () =>
    void run(async () => {
      try {
        setInvite(await ledger.sync.invite());
        setNote(null);
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      }
    });
  const link = invite && `${location.origin}${location.pathname}#/sync?server=${encodeURIComponent(server)}&invite=${encodeURIComponent(invite.code)}`;
  return (
    <div class="card">
      <h2>Invite a device</h2>
      <p>An invite works once, for a member device (it may play and send tokens, not mint them), until it expires.</p>
      <BusyButton busy={busy} type="button" onClick={make}>
        Create invite
      </BusyButton>
      {invite && (
        <>
          <div class="field">
            <label for="invite-code">Invite code</label>
            <input id="invite-code" readOnly value={invite.code} />
          </div>
          <p>
            <a href={link!}>Invite link</a> (open it on the other device), valid until {formatTime(invite.expiresAt)}.
          </p>
        </>
      )}
      <NoteLine note={note} />
    </div>
  );
}

/** The Sync view. */
export function SyncView({ ledger }: { ledger: Ledger }) {
  const [status, setStatus] = useState<SyncStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => ledger.sync.watch(setStatus, (e) => setError(errorText(e))), [ledger]);
  return (
    <section aria-labelledby="sync-title">
      <h1 id="sync-title">Sync</h1>
      {error && <p role="alert">{error}</p>}
      {status && !status.joined && <NotShared ledger={ledger} />}
      {status?.joined && (
        <>
          <dl class="card" aria-label="Sync status">
            <dt>Connection</dt>
            <dd data-connection={status.connection}>{CONNECTION[status.connection]}</dd>
            <dt>Pending operations</dt>
            <dd data-pending={status.pending.length}>{status.pending.length}</dd>
            <dt>Last sync</dt>
            <dd>{status.lastSyncAt ? formatTime(status.lastSyncAt) : 'Never'}</dd>
            <dt>This device</dt>
            <dd>{status.joined.role === 'owner' ? 'Owner (may mint and invite)' : 'Member'}</dd>
            <dt>Server</dt>
            <dd>{status.joined.serverUrl}</dd>
            {status.lastError && (
              <>
                <dt>Last problem</dt>
                <dd>{status.lastError}</dd>
              </>
            )}
          </dl>
          {status.joined.role === 'owner' && <Invite ledger={ledger} server={status.joined.serverUrl} />}
          <h2>Pending</h2>
          <PendingList pending={status.pending} />
          <h2>Rejected by the server</h2>
          <RejectedList rejections={status.rejections} />
        </>
      )}
    </section>
  );
}
