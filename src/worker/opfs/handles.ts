/**
 * OPFS synchronous access handles, as the log uses them: opened shared
 * where the browser offers it, else exclusive, waiting out the moment a
 * previous holder takes to let go.
 */
import { StoreError } from '../../shared/errors';

/** The synchronous access handle's methods used here (lib.dom types lag behind). */
export interface AccessHandle {
  read(into: Uint8Array, options: { at: number }): number;
  write(data: Uint8Array, options: { at: number }): number;
  truncate(size: number): void;
  getSize(): number;
  flush(): void;
  close(): void;
}
export type FileHandle = FileSystemFileHandle & { createSyncAccessHandle(options?: { mode: string }): Promise<AccessHandle & { mode?: string }> };

/** How long a writer waits for an exclusive handle the previous lock holder is still closing (Firefox: 2–10 ms, at times 80). */
const HANDLE_WAIT_MS = 3000;

/** True where a worker can keep a log in OPFS (synchronous access handles). */
export function opfsLogSupported(): boolean {
  const handle = (globalThis as { FileSystemFileHandle?: { prototype: object } }).FileSystemFileHandle;
  return !!handle && 'createSyncAccessHandle' in handle.prototype && typeof globalThis.navigator?.storage?.getDirectory === 'function';
}

/**
 * Opens an access handle on a segment: shared where the browser offers it
 * (Chromium's `readwrite-unsafe`: the write lock keeps writers apart), else
 * exclusive, waiting while the previous lock holder's handle still closes.
 */
export async function handleOn(handle: FileHandle): Promise<AccessHandle> {
  for (let waited = 0, pause = 1; ; waited += pause, pause = Math.min(pause * 2, 50)) {
    try {
      return await handle.createSyncAccessHandle({ mode: 'readwrite-unsafe' });
    } catch (error) {
      if ((error as { name?: string } | null)?.name !== 'NoModificationAllowedError') throw error;
      if (waited >= HANDLE_WAIT_MS) throw new StoreError('BUSY', `the OPFS log stayed locked by another tab for ${HANDLE_WAIT_MS} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** Closes a handle that may be closed already. */
export function closeQuietly(access: AccessHandle): void {
  try {
    access.close();
  } catch {
    // closed already
  }
}

