/**
 * What the recovery page can do, through the public API only:
 * - after `STORAGE_LOST`, restore the recovery copy the store keeps in OPFS (`recoveryCopy`, `recoverStore`);
 * - for any failure, start over from a backup file: the file is verified first in a scratch store
 *   (`inspectBackup`), and only after the player confirms is the damaged ledger deleted (`deleteStore`)
 *   and the backup restored into a new one (`restoreBackup`).
 * The damaged store's own checkpoints are offered by recovery-checkpoints.tsx.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { deleteStore, openLedger, recoverStore, recoveryCopy, type BackupPreview, type RecoveryCopyInfo } from '../../index';
import { STORE_NAME } from '../state';
import { formatTokens } from '../amount';
import { BusyButton, errorText, formatBytes, formatTime, NoteLine, useBusy, type Note } from '../ui';
import { Confirm } from './confirm';

/** The scratch store a backup file is verified in before anything is deleted. */
const SCRATCH = `${STORE_NAME}-restore-check`;

/** Replaces the damaged ledger with `replace`, then reloads, which opens what replaced it; a failure becomes the panel's note. */
export async function replaceAndReload(replace: () => Promise<unknown>, failed: (note: Note) => void): Promise<void> {
  try {
    await replace();
    location.reload();
  } catch (error) {
    failed({ kind: 'error', text: errorText(error) });
  }
}

/** Offers the recovery copy, if the store keeps one. */
export function RecoveryCopyPanel() {
  const [copy, setCopy] = useState<RecoveryCopyInfo | null | undefined>(undefined);
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  useEffect(() => void recoveryCopy(STORE_NAME).then((c) => setCopy(c ?? null), (e) => (setCopy(null), setNote({ kind: 'error', text: errorText(e) }))), []);
  const restore = () =>
    run(() => replaceAndReload(() => recoverStore(STORE_NAME), setNote));
  return (
    <div class="card">
      <h2>Restore the recovery copy</h2>
      {copy === undefined && <p role="status">Looking for a recovery copy…</p>}
      {copy === null && <p>This browser kept no recovery copy of the ledger.</p>}
      {copy && (
        <>
          <p>
            A copy saved {formatTime(copy.savedAt)} ({formatBytes(copy.bytes)}) holds the ledger up to commit {copy.seq}. Anything committed after it is lost.
          </p>
          <BusyButton type="button" busy={busy} busyLabel="Restoring…" onClick={() => void restore()}>
            Restore the recovery copy
          </BusyButton>
        </>
      )}
      <NoteLine note={note} />
    </div>
  );
}

/** Verifies a backup file in a scratch store: what it holds, or the store's reason to refuse it. */
async function inspect(file: File): Promise<BackupPreview> {
  const scratch = await openLedger({ name: SCRATCH });
  try {
    return await scratch.store.inspectBackup(file);
  } finally {
    await scratch.store.close();
    await deleteStore(SCRATCH);
  }
}

/** Starts over from a backup file, after showing what it holds and asking. */
export function StartOverPanel() {
  const [chosen, setChosen] = useState<{ file: File; preview: BackupPreview } | null>(null);
  const [note, setNote] = useState<Note>(null);
  const input = useRef<HTMLInputElement>(null);
  const { busy, run } = useBusy();
  const pick = (file: File | undefined) =>
    run(async () => {
      if (!file) return;
      try {
        setChosen({ file, preview: await inspect(file) });
        setNote(null);
      } catch (error) {
        setNote({ kind: 'error', text: errorText(error) });
      } finally {
        if (input.current) input.current.value = '';
      }
    });
  const replace = () =>
    run(async () => {
      if (!chosen) return;
      await replaceAndReload(
        async () => {
          await deleteStore(STORE_NAME);
          const ledger = await openLedger({ name: STORE_NAME });
          await ledger.store.restoreBackup(chosen.file);
          await ledger.store.close();
        },
        (note) => (setChosen(null), setNote(note)),
      );
    });
  return (
    <div class="card">
      <h2>Start over from a backup file</h2>
      <p>The file is checked first; nothing is deleted before you confirm.</p>
      <label class="file">
        Choose a backup file
        <input ref={input} type="file" accept=".sqlite,.db,application/vnd.sqlite3,application/x-sqlite3" disabled={busy} onChange={(e) => void pick((e.currentTarget as HTMLInputElement).files?.[0])} />
      </label>
      <NoteLine note={note} />
      {chosen && (
        <Confirm title="Delete the damaged ledger and restore this backup?" confirmLabel="Delete and restore" busy={busy} onConfirm={() => void replace()} onCancel={() => setChosen(null)}>
          <p>
            {chosen.file.name}: made {formatTime(chosen.preview.createdAt)}, schema version {chosen.preview.schemaVersion}, {chosen.preview.rowCounts.entry ?? 0} ledger entries
            {chosen.preview.facts.totalSupply === undefined ? '' : `, total supply ${formatTokens(BigInt(chosen.preview.facts.totalSupply))} tokens`}.
          </p>
          <p>The damaged ledger, its checkpoints and its recovery copy are deleted for good.</p>
        </Confirm>
      )}
    </div>
  );
}
