/**
 * Small shared pieces: a busy guard that refuses a second submission while
 * the first runs, messages that screen readers announce, and the store's
 * error words.
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { StoreError } from '../index';
import { tracked } from './state';

/** The store's own words for a failure (`StoreError.message`), with a short lead for the common codes. */
export function errorText(error: unknown): string {
  if (error instanceof StoreError) {
    const lead: Partial<Record<StoreError['code'], string>> = {
      INSUFFICIENT_FUNDS: 'Not enough tokens',
      NOT_FOUND: 'Not found',
      INVALID_ARGUMENT: 'Refused',
      CONSTRAINT: 'Refused',
      INVALID_BACKUP: 'This file cannot be restored',
      SCHEMA_AHEAD: 'A newer version of the app changed the ledger; reload first',
      QUOTA_EXCEEDED: 'The browser refused to store more',
      BUSY: 'Another tab is holding the ledger',
      FORBIDDEN: 'Not allowed on this device',
      SYNC_FAILED: 'Sync failed',
    };
    return `${lead[error.code] ?? error.code}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A busy flag plus `run`, which ignores calls while one is running (a ref, so a double tap in one frame is caught too). */
export function useBusy(): { busy: boolean; run: (work: () => Promise<void>) => Promise<void> } {
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const run = async (work: () => Promise<void>): Promise<void> => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    try {
      await tracked(work);
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { busy, run };
}

/** What an action said last: an error (announced at once) or a confirmation (announced politely). */
export type Note = { kind: 'error' | 'ok'; text: string } | null;

/** Shows a note; the live region stays in the DOM so its changes are announced. */
export function NoteLine({ note, id }: { note: Note; id?: string }) {
  return (
    <p id={id} class={`note ${note?.kind ?? ''}`} role={note?.kind === 'error' ? 'alert' : 'status'} aria-live={note?.kind === 'error' ? 'assertive' : 'polite'}>
      {note?.text ?? ''}
    </p>
  );
}

/** A labelled input field; `hint` is read with the field. */
export function Field(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  hint?: string;
  inputMode?: 'numeric' | 'text';
  list?: string;
  required?: boolean;
  autoComplete?: string;
  describedBy?: string;
}) {
  const describedBy = [props.hint ? `${props.id}-hint` : '', props.describedBy ?? ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
        inputMode={props.inputMode}
        list={props.list}
        required={props.required}
        autoComplete={props.autoComplete ?? 'off'}
        aria-describedby={describedBy}
      />
      {props.hint && (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** A submit or action button that shows and enforces a busy state. */
export function BusyButton(props: { busy: boolean; children: ComponentChildren; busyLabel?: string; type?: 'submit' | 'button'; onClick?: () => void; class?: string }) {
  return (
    <button type={props.type ?? 'submit'} class={props.class} disabled={props.busy} aria-busy={props.busy} onClick={props.onClick}>
      {props.busy ? (props.busyLabel ?? 'Working…') : props.children}
    </button>
  );
}

/** Bytes in a human unit. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A UTC ISO time as the player's local date and time. */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
