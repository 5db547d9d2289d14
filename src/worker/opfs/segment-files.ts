/**
 * Where a store's OPFS log lives: `pacioli-log/<stem>/seg-<first>` (the
 * stem is the store's name, hashed, so any name fits), and the directory
 * lookups, kept to one call each where they repeat.
 */
import { fromStorage, StoreError } from '../../shared/errors';
import { OPFS_LOG_DIR as DIR, opfsLogStem } from '../../shared/layout-names';
import { opfsLogSupported, type FileHandle } from './handles';

const PREFIX = 'seg-';
/** The origin's OPFS root, asked for once per worker. */
let rootDir: Promise<FileSystemDirectoryHandle> | undefined;

/** A segment file: the commits from `first` on, without a gap. */
export interface Segment {
  name: string;
  first: number;
  handle: FileHandle;
}

export class SegmentFiles {
  private readonly stem: Promise<string>;
  private found: FileSystemDirectoryHandle | undefined;

  constructor(name: string) {
    this.stem = opfsLogStem(name);
  }

  /** The store's log directory, if the store keeps a log here (`create`: make it). */
  async dir(create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    if (this.found) return this.found;
    if (!opfsLogSupported()) return undefined;
    try {
      // A store without an OPFS log asks once per lease and per log read: keep the lookups to one call each.
      rootDir ??= navigator.storage.getDirectory();
      const root = await rootDir.catch((error: unknown) => {
        rootDir = undefined;
        throw error;
      });
      const top = await root.getDirectoryHandle(DIR, { create });
      this.found = await top.getDirectoryHandle(await this.stem, { create });
      return this.found; // once there, it stays (until deleteStore, which no open store survives)
    } catch (error) {
      if ((error as { name?: string } | null)?.name === 'NotFoundError') return undefined;
      throw fromStorage(error, 'opening the OPFS log', 'OPFS');
    }
  }

  /** The segment files, oldest first. */
  async list(dir: FileSystemDirectoryHandle): Promise<Segment[]> {
    const list: Segment[] = [];
    for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
      const first = Number(name.slice(PREFIX.length));
      if (handle.kind === 'file' && name.startsWith(PREFIX) && Number.isSafeInteger(first)) list.push({ name, first, handle: handle as FileHandle });
    }
    return list.sort((a, b) => a.first - b.first);
  }

  /** The segment for commits from `first` on (made if missing). */
  async create(dir: FileSystemDirectoryHandle, first: number): Promise<Segment> {
    const name = `${PREFIX}${first}`;
    return { name, first, handle: (await dir.getFileHandle(name, { create: true })) as FileHandle };
  }

  /** Deletes the whole log directory (deleteStore); `BUSY` while a tab holds a handle in it. */
  async remove(): Promise<void> {
    if (!opfsLogSupported()) return;
    try {
      const top = await (await navigator.storage.getDirectory()).getDirectoryHandle(DIR);
      await top.removeEntry(await this.stem, { recursive: true });
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      if (name === 'NotFoundError') return;
      if (name === 'NoModificationAllowedError') throw new StoreError('BUSY', 'a tab still has this store open for writing: close it first', { cause: error });
      throw fromStorage(error, 'deleting the OPFS log', 'OPFS');
    }
    this.found = undefined;
  }
}
