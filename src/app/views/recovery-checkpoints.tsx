/**
 * The recovery page's way back through the ledger's own automatic
 * checkpoints: they are kept beside the damaged state, each with its own
 * checksum, and `checkpointsOf` / `restoreCheckpointOf` reach them without
 * opening the ledger. Restoring asks first; then the app reloads, which
 * opens the restored ledger (an older schema migrates forward as usual).
 */
import { useEffect, useState } from 'preact/hooks';
import { checkpointsOf, restoreCheckpointOf, type KeptCheckpoint } from '../../index';
import { STORE_NAME } from '../state';
import { errorText, formatBytes, formatTime, NoteLine, useBusy, type Note } from '../ui';
import { Confirm } from './confirm';
import { replaceAndReload } from './recovery-actions';

/** Lists the damaged ledger's checkpoints, newest first, and restores one after asking. */
export function CheckpointsPanel() {
  const [list, setList] = useState<KeptCheckpoint[] | null | undefined>(undefined);
  const [chosen, setChosen] = useState<KeptCheckpoint | null>(null);
  const [note, setNote] = useState<Note>(null);
  const { busy, run } = useBusy();
  useEffect(
    () =>
      void checkpointsOf(STORE_NAME).then(
        (l) => setList([...l].reverse()),
        (e) => (setList(null), setNote({ kind: 'error', text: errorText(e) })),
      ),
    [],
  );
  const restore = () =>
    run(async () => {
      if (!chosen) return;
      await replaceAndReload(() => restoreCheckpointOf(STORE_NAME, chosen.id), (note) => (setChosen(null), setNote(note)));
    });
  return (
    <div class="card">
      <h2>Restore an automatic checkpoint</h2>
      {list === undefined && <p role="status">Looking for checkpoints…</p>}
      {list?.length === 0 && <p>This browser kept no checkpoints of the ledger.</p>}
      {list && list.length > 0 && (
        <>
          <p>The ledger keeps a checkpoint before each migration and each restore, and one a day. Restoring one brings the ledger back as it was then; anything after it is lost.</p>
          <ul class="checkpoints" aria-label="Checkpoints">
            {list.map((c) => (
              <li key={c.id}>
                <span>
                  {formatTime(c.createdAt)} · {c.reason} · {formatBytes(c.bytes)}
                  {c.intact ? '' : ' · damaged too, cannot be restored'}
                </span>
                {c.intact && (
                  <button type="button" disabled={busy} onClick={() => (setNote(null), setChosen(c))} aria-label={`Restore checkpoint of ${formatTime(c.createdAt)}`}>
                    Restore
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      <NoteLine note={note} />
      {chosen && (
        <Confirm title="Restore this checkpoint?" confirmLabel="Restore checkpoint" busy={busy} onConfirm={() => void restore()} onCancel={() => setChosen(null)}>
          <p>
            The ledger goes back to {formatTime(chosen.createdAt)} ({chosen.reason}, schema version {chosen.schemaVersion}, {formatBytes(chosen.bytes)}).
          </p>
          <p>Everything committed after it, and the damaged state, is gone for good.</p>
        </Confirm>
      )}
    </div>
  );
}
