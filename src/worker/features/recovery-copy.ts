/**
 * A store's second home, outside IndexedDB, in the Origin Private File
 * System (OPFS):
 *  - a record that the store exists, and the last commit this tab knew
 *    durable (`<stem>.json`): when IndexedDB later holds nothing of a store
 *    the record says had commits, the browser threw the data away, and
 *    opening fails with `STORAGE_LOST` instead of starting a new, empty
 *    ledger as if nothing happened;
 *  - a copy of the newest snapshot (`<stem>-<seq>-<sha>.sqlite`), written in
 *    the background after each fold or snapshot commit, off the commit path:
 *    a lost IndexedDB then loses at most the commits since that snapshot.
 *
 * Why OPFS: Chromium keeps it in a backend of its own. After a whole-browser
 * SIGKILL it was seen (twice in about 170 kills) to recreate an origin's
 * IndexedDB empty while the origin's other storage stayed. A user who
 * clears site data clears both, and the store then rightly opens as new.
 *
 * Everything here is best effort: where OPFS is missing (Firefox private
 * windows, old browsers) or fails, the store works as before, without the
 * check and the copy. Files are written whole (`createWritable` replaces a
 * file atomically on close), and a copy's name carries its SHA-256 prefix,
 * so a torn or damaged copy is never offered.
 */
import { StoreError } from '../../shared/errors';
import { sha256Hex } from '../../shared/hash';

const DIR = 'pacioli';
/** How long commit-number updates of the record are gathered before one write. */
const RECORD_EVERY_MS = 1000;

/** What the record says of a store. */
export interface RecoveryRecord {
  format: 1;
  name: string;
  /** The highest commit known durable when the record was last written (a lower bound). */
  seq: number;
  updatedAt: string;
}

/** A kept copy: the database as of commit `seq`. */
export interface CopyInfo {
  seq: number;
  bytes: number;
  savedAt: string;
}

async function directory(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    const root = await (globalThis.navigator as Navigator | undefined)?.storage?.getDirectory?.();
    return await root?.getDirectoryHandle(DIR, { create: true });
  } catch {
    return undefined; // no OPFS here (a private window, an old browser): no record, no copy
  }
}

/** Writes a whole file, replacing what it held in one step where the browser can. */
async function writeFile(dir: FileSystemDirectoryHandle, name: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const handle = await dir.getFileHandle(name, { create: true });
  if ('createWritable' in handle) {
    const writable = await handle.createWritable();
    await writable.write(bytes as Uint8Array<ArrayBuffer>);
    await writable.close();
    return;
  }
  // Safari's workers: no createWritable, but synchronous access handles.
  const access = await (handle as FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncHandle> }).createSyncAccessHandle();
  try {
    access.truncate(0);
    access.write(bytes, { at: 0 });
    access.flush();
  } finally {
    access.close();
  }
}

interface SyncHandle {
  truncate(size: number): void;
  write(data: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

export class RecoveryCopy {
  private readonly stem: Promise<string>;
  private recordTimer: ReturnType<typeof setTimeout> | undefined;
  private knownSeq = 0;
  private writtenSeq = -1;
  /** Until this tab first asks for the record to be written: the next ask is at once (a failed write counts). */
  private firstAsk = true;
  /** The newest image waiting to be copied, and the copy being written. */
  private nextImage: { seq: number; image: Uint8Array } | undefined;
  private copying: Promise<void> | undefined;

  constructor(private readonly name: string) {
    // File names must be short and free of '/': the store's name, hashed.
    this.stem = sha256Hex(`pacioli-store:${name}`).then((h) => h.slice(0, 32));
  }

  /** The record, if this store has one. */
  async read(): Promise<RecoveryRecord | undefined> {
    const dir = await directory();
    if (!dir) return undefined;
    try {
      const file = await (await dir.getFileHandle(`${await this.stem}.json`)).getFile();
      const record = JSON.parse(await file.text()) as RecoveryRecord;
      return record?.format === 1 && Number.isSafeInteger(record.seq) ? record : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Notes that commit `seq` is durable; the record is brought up to date in
   * the background: at once the first time in this tab (until a record
   * exists, a lost IndexedDB would pass for a new store), then at most once
   * every `RECORD_EVERY_MS`.
   */
  noteSeq(seq: number): void {
    this.knownSeq = Math.max(this.knownSeq, seq);
    if (this.recordTimer !== undefined || this.knownSeq === this.writtenSeq) return;
    const wait = this.firstAsk ? 0 : RECORD_EVERY_MS;
    this.firstAsk = false;
    this.recordTimer = setTimeout(() => {
      this.recordTimer = undefined;
      void this.writeRecord().catch(() => undefined);
    }, wait);
  }

  /**
   * Writes the record now that commit `seq` is durable, and resolves once it
   * is written (or could not be: best effort). For an open that created the
   * store: the open does not resolve before a lost IndexedDB can be told
   * from a new store, however busy OPFS is.
   */
  async recordNow(seq: number): Promise<void> {
    this.knownSeq = Math.max(this.knownSeq, seq);
    this.firstAsk = false;
    clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    await this.writeRecord().catch(() => undefined);
  }

  private async writeRecord(): Promise<void> {
    const dir = await directory();
    if (!dir) return;
    const seq = Math.max(this.knownSeq, (await this.read())?.seq ?? 0); // another tab may have written a newer one
    const record: RecoveryRecord = { format: 1, name: this.name, seq, updatedAt: new Date().toISOString() };
    await writeFile(dir, `${await this.stem}.json`, JSON.stringify(record));
    this.writtenSeq = seq;
  }

  /** Copies the image of snapshot `seq` to OPFS in the background; a newer one waiting replaces an older one. */
  saveImage(seq: number, image: Uint8Array): void {
    if (this.nextImage && this.nextImage.seq >= seq) return;
    this.nextImage = { seq, image };
    this.noteSeq(seq);
    this.copying ??= this.drain().finally(() => (this.copying = undefined));
  }

  private async drain(): Promise<void> {
    while (this.nextImage) {
      const { seq, image } = this.nextImage;
      this.nextImage = undefined;
      try {
        await this.writeCopy(seq, image);
      } catch (error) {
        console.warn(`[pacioli] keeping a recovery copy in OPFS failed: ${String(error)}`);
      }
    }
  }

  private async writeCopy(seq: number, image: Uint8Array): Promise<void> {
    const dir = await directory();
    if (!dir) return;
    const stem = await this.stem;
    const sha = (await sha256Hex(image)).slice(0, 16);
    const newest = (await this.copies(dir)).at(-1);
    if (newest && newest.seq >= seq) return; // another tab kept the same or a newer one
    await writeFile(dir, `${stem}-${seq}-${sha}.sqlite`, image);
    await this.writeRecord();
    // Older copies go only once the new one is whole.
    for (const old of await this.copies(dir)) if (old.seq < seq) await dir.removeEntry(old.file).catch(() => undefined);
  }

  /** The copy files of this store, oldest first. */
  private async copies(dir: FileSystemDirectoryHandle): Promise<{ file: string; seq: number; sha: string }[]> {
    const stem = await this.stem;
    const found: { file: string; seq: number; sha: string }[] = [];
    for await (const file of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) {
      const match = new RegExp(`^${stem}-(\\d+)-([0-9a-f]{16})\\.sqlite$`).exec(file);
      if (match) found.push({ file, seq: Number(match[1]), sha: match[2]! });
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  /** The newest whole copy and its image, or undefined when none is kept. */
  async newest(): Promise<{ info: CopyInfo; image: Uint8Array } | undefined> {
    const dir = await directory();
    if (!dir) return undefined;
    for (const copy of (await this.copies(dir)).reverse()) {
      const file = await (await dir.getFileHandle(copy.file)).getFile();
      const image = new Uint8Array(await file.arrayBuffer());
      if ((await sha256Hex(image)).slice(0, 16) !== copy.sha) continue; // torn or damaged: try an older one
      return { info: { seq: copy.seq, bytes: image.length, savedAt: new Date(file.lastModified).toISOString() }, image };
    }
    return undefined;
  }

  /** Removes the record and every copy (the store is being deleted). */
  async remove(): Promise<void> {
    clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    this.nextImage = undefined;
    await this.copying;
    const dir = await directory();
    if (!dir) return;
    const stem = await this.stem;
    for (const copy of await this.copies(dir)) await dir.removeEntry(copy.file).catch(() => undefined);
    await dir.removeEntry(`${stem}.json`).catch(() => undefined);
  }

  /** Stops background work (the store is closing); a copy already being written finishes. */
  async close(): Promise<void> {
    if (this.recordTimer !== undefined) {
      clearTimeout(this.recordTimer);
      this.recordTimer = undefined;
      await this.writeRecord().catch(() => undefined);
    }
    await this.copying;
  }
}

/** The error an open reports when IndexedDB holds nothing of a store the record says had commits. */
export function storageLost(name: string, record: RecoveryRecord, copy: CopyInfo | undefined): StoreError {
  const kept = copy
    ? `A recovery copy of commit ${copy.seq} (saved ${copy.savedAt}) is kept outside IndexedDB: recoverStore('${name}') restores it, losing only the commits after it.`
    : 'No recovery copy is kept; restore a backup file, or deleteStore() to start anew.';
  return new StoreError(
    'STORAGE_LOST',
    `the browser's IndexedDB no longer holds the store "${name}", which had at least ${record.seq} commits (recorded ${record.updatedAt}): it was cleared or lost, not created anew. ${kept}`,
  );
}
