/**
 * Backups: export downloads the whole database as a file; restore previews a
 * chosen file (verified by the store) and asks before replacing anything; the
 * automatic checkpoints can be restored too. Every action holds a busy state.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { BackupPreview, CheckpointInfo, Ledger } from '../../index';
import { formatTokens } from '../amount';
import { BusyButton, errorText, formatBytes, formatTime, NoteLine, useBusy, type Note } from '../ui';
import { Confirm } from './confirm';

/** `bitcraps-2026-11-26.sqlite`: the store's name and the local date. */
export function backupFileName(store: string, date = new Date()): string {
  const day = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
  return `${store}-${day}.sqlite`;
}

/** Players and games in a backup of the ledger: every game has one pot account, and there is one house. */
function summary(preview: BackupPreview): string[] {
  const counts = preview.rowCounts;
  const games = counts.game ?? 0;
  const lines = [
    `Made ${formatTime(preview.createdAt)} from the store "${preview.store}"`,
    `Schema version ${preview.schemaVersion}${preview.migrated ? ` (will be migrated forward by ${preview.migrated})` : ''}`,
  ];
  if (counts.account !== undefined) lines.push(`${counts.account - 1 - games} players, ${games} games, ${counts.entry ?? 0} ledger entries`);
  // Read from the file's rows by the ledger's own audit during verification, not taken from the manifest.
  if (preview.facts.totalSupply !== undefined) lines.push(`Total supply ${formatTokens(BigInt(preview.facts.totalSupply))} tokens`);
  return lines;
}

function download(bytes: Uint8Array, name: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/vnd.sqlite3' }));
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 30_000);
}

/** Export, restore from a file, and the checkpoint list. */
export function BackupView({ ledger }: { ledger: Ledger }) {
  const store = ledger.store;
  const [note, setNote] = useState<Note>(null);
  const [chosen, setChosen] = useState<{ file: File; preview: BackupPreview } | null>(null);
  const [checkpoint, setCheckpoint] = useState<CheckpointInfo | null>(null);
  const [list, setList] = useState<CheckpointInfo[] | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const { busy, run } = useBusy();
  const fail = (error: unknown) => setNote({ kind: 'error', text: errorText(error) });
  const refresh = () => store.checkpoints().then((l) => setList([...l].reverse()), fail);
  useEffect(() => void refresh(), [store]);

  const exportNow = () =>
    run(async () => {
      try {
        const bytes = await store.exportBackup();
        const name = backupFileName(store.name);
        download(bytes, name);
        setNote({ kind: 'ok', text: `Saved ${name} (${formatBytes(bytes.length)}).` });
      } catch (error) {
        fail(error);
      }
    });

  const pick = (file: File | undefined) =>
    run(async () => {
      if (!file) return;
      setChosen(null);
      try {
        setChosen({ file, preview: await store.inspectBackup(file) });
        setNote(null);
      } catch (error) {
        fail(error);
      } finally {
        if (input.current) input.current.value = '';
      }
    });

  const restoreFile = () =>
    run(async () => {
      if (!chosen) return;
      try {
        await store.restoreBackup(chosen.file);
        setNote({ kind: 'ok', text: `Restored ${chosen.file.name}.` });
        setChosen(null);
        await refresh();
      } catch (error) {
        setChosen(null);
        fail(error);
      }
    });

  const restoreCheckpoint = () =>
    run(async () => {
      if (!checkpoint) return;
      try {
        await store.restoreCheckpoint(checkpoint.id);
        setNote({ kind: 'ok', text: `Restored the checkpoint of ${formatTime(checkpoint.createdAt)}.` });
        setCheckpoint(null);
        await refresh();
      } catch (error) {
        setCheckpoint(null);
        fail(error);
      }
    });

  return (
    <section aria-labelledby="backup-title">
      <h1 id="backup-title">Backup</h1>
      <NoteLine note={note} />
      <div class="card">
        <h2>Export</h2>
        <p>A backup is one file holding every player, bet and entry. Keep it somewhere other than this browser.</p>
        <BusyButton type="button" busy={busy} onClick={() => void exportNow()}>
          Export backup
        </BusyButton>
      </div>
      <div class="card">
        <h2>Restore from a file</h2>
        <p>You will see what the file holds before anything is replaced.</p>
        <label class="file">
          Choose a backup file
          <input ref={input} type="file" accept=".sqlite,.db,application/vnd.sqlite3,application/x-sqlite3" disabled={busy} onChange={(e) => void pick((e.currentTarget as HTMLInputElement).files?.[0])} />
        </label>
      </div>
      <div class="card">
        <h2>Automatic checkpoints</h2>
        {list === null ? (
          <p>Loading…</p>
        ) : list.length === 0 ? (
          <p>None yet. The store keeps one before each migration and each restore, and one a day.</p>
        ) : (
          <ul class="checkpoints" aria-label="Checkpoints">
            {list.map((c) => (
              <li key={c.id}>
                <span>
                  {formatTime(c.createdAt)} · {c.reason} · {formatBytes(c.bytes)}
                </span>
                <button type="button" disabled={busy} onClick={() => setCheckpoint(c)} aria-label={`Restore checkpoint of ${formatTime(c.createdAt)}`}>
                  Restore
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {chosen && (
        <Confirm title="Replace everything with this backup?" confirmLabel="Replace with backup" busy={busy} onConfirm={() => void restoreFile()} onCancel={() => setChosen(null)}>
          <p>{chosen.file.name} holds:</p>
          <ul>
            {summary(chosen.preview).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p>Everything in this browser's ledger now is replaced. A checkpoint of it is kept first.</p>
        </Confirm>
      )}
      {checkpoint && (
        <Confirm title="Restore this checkpoint?" confirmLabel="Restore checkpoint" busy={busy} onConfirm={() => void restoreCheckpoint()} onCancel={() => setCheckpoint(null)}>
          <p>
            The ledger goes back to {formatTime(checkpoint.createdAt)} (schema version {checkpoint.schemaVersion}). A checkpoint of the current state is kept first.
          </p>
        </Confirm>
      )}
    </section>
  );
}
