/** A modal confirmation on the native <dialog>: focus moves in, Escape cancels, the page behind is inert. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { BusyButton } from '../ui';

/** Asks before something irreversible. */
export function Confirm(props: { title: string; confirmLabel: string; busy: boolean; onConfirm: () => void; onCancel: () => void; children: ComponentChildren }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onCancel={(e) => (e.preventDefault(), !props.busy && props.onCancel())}>
      <h2 id="confirm-title">{props.title}</h2>
      {props.children}
      <div class="actions">
        <BusyButton type="button" class="danger" busy={props.busy} onClick={props.onConfirm}>
          {props.confirmLabel}
        </BusyButton>
        <button type="button" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
