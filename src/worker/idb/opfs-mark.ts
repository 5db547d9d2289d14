/**
 * The mark in IndexedDB that a store keeps its log in OPFS.
 *
 * A store with `log: 'opfs'` keeps its newest commits in OPFS files and its
 * snapshot in IndexedDB. Which one holds the log was once told by whether
 * the OPFS directory exists, so a store whose OPFS the browser lost opened
 * at its last snapshot, without a word about the commits after it. Chromium
 * does lose it: when it finds an origin's file system directory database
 * damaged at start-up, and cannot repair it, it clears that origin's whole
 * file system (and a whole-browser kill here once lost the newest commits
 * of an OPFS log). So the first append of each lease to an OPFS log makes
 * sure this mark is in IndexedDB first, and an open that finds the mark but
 * no OPFS log fails with STORAGE_LOST.
 */
import { promisifyRequest } from 'idb-keyval';
import { StoreError } from '../../shared/errors';
import { META_KEY, OPFS_LOG_KEY } from '../../shared/layout-names';
import type { StrictStore } from './strict-store';

/** What the log database says of the newest commits: the highest it holds (pointer or entry), and whether the log is in OPFS. */
export interface IdbHead {
  highest: number;
  marked: boolean;
  /** The pointer's snapshot size in bytes (0: none), and when it was written ('' when not known). */
  snapshotBytes: number;
  writtenAt: string;
}

/** Reads the pointer, the newest entry's key and the mark in one transaction; validates none of them. */
export async function readHead(log: StrictStore): Promise<IdbHead> {
  const [meta, newest, mark] = await log('readonly', (s) =>
    Promise.all([
      promisifyRequest(s.get(META_KEY)) as Promise<{ snapshotSeq?: unknown; snapshotBytes?: unknown; writtenAt?: unknown } | undefined>,
      promisifyRequest(s.openKeyCursor(IDBKeyRange.bound(0, Infinity), 'prev')), // numbers only, not the pointer or the mark
      promisifyRequest(s.get(OPFS_LOG_KEY)),
    ]),
  );
  const m = typeof meta === 'object' && meta !== null ? meta : {};
  const pointed = Number.isSafeInteger(m.snapshotSeq) ? (m.snapshotSeq as number) : 0;
  return {
    highest: Math.max(pointed, Number(newest?.key ?? 0) || 0),
    marked: mark !== undefined,
    snapshotBytes: Number.isSafeInteger(m.snapshotBytes) ? (m.snapshotBytes as number) : 0,
    writtenAt: typeof m.writtenAt === 'string' ? m.writtenAt : '',
  };
}

/** Puts the mark (strict, like every write of the store): before the OPFS log holds any commit IndexedDB does not. */
export function putMark(log: StrictStore): Promise<void> {
  return log('readwrite', (s) => {
    s.put({ format: 1 }, OPFS_LOG_KEY);
    return promisifyRequest(s.transaction);
  });
}

/** Takes the mark away (recoverStore, once the store holds only what IndexedDB kept). */
export function removeMark(log: StrictStore): Promise<void> {
  return log('readwrite', (s) => {
    s.delete(OPFS_LOG_KEY);
    return promisifyRequest(s.transaction);
  });
}

/** False when database `dbName` certainly does not exist (asked without opening it, which would create it). */
export async function logDatabaseExists(dbName: string): Promise<boolean> {
  if (typeof indexedDB.databases !== 'function') return true;
  return (await indexedDB.databases()).some((d) => d.name === dbName);
}

/** The open's error when the mark is there and the OPFS log is not. */
export function opfsLogLost(name: string, kept: number, supported: boolean): StoreError {
  if (!supported) {
    return new StoreError('UNSUPPORTED', `the store "${name}" keeps its log in OPFS, which this browser context cannot reach (no synchronous access handles): open it where it was written`);
  }
  return new StoreError(
    'STORAGE_LOST',
    `the browser no longer holds the OPFS log of the store "${name}" (its file storage was cleared or lost) while IndexedDB keeps it up to commit ${kept}: the commits after it are lost. recoverStore('${name}') opens it at commit ${kept}, or at its recovery copy if that is newer.`,
  );
}
