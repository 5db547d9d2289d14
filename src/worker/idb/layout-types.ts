/**
 * The shapes idb/layout.ts reads and writes, and its small helpers: the
 * snapshot pointer (`Meta`), a log entry, and what a load returns.
 */

/** The snapshot pointer. */
export interface Meta {
  format: 1;
  snapshotSeq: number;
  snapshotBytes: number;
  snapshotSha256: string;
  /** Where the image is, in the snapshots store; absent in stores written before unique keys (then it is `snapshotSeq`). */
  snapshotKey?: SnapshotKey;
  /** When the snapshot was written (ISO 8601); absent in stores written before it was kept. */
  writtenAt?: string;
}

/** A snapshot image's key: its commit and a nonce, so no two writes ever share one. */
export type SnapshotKey = [number, string] | number;

/** A persisted log entry. */
export interface LogEntry {
  seq: number;
  bytes: Uint8Array;
}

/** The persisted state, verified. */
export interface Loaded {
  meta: Meta | undefined;
  image: Uint8Array | undefined;
  entries: LogEntry[];
  /** Settles once the image's SHA-256 is checked (hashed off the thread while the caller opens it): rejects with `CORRUPT`. */
  verified: Promise<void>;
}

/** True when `a` and `b` are the same IndexedDB key; false for anything that is not a key. */
export function sameKey(a: unknown, b: unknown): boolean {
  try {
    return indexedDB.cmp(a, b) === 0;
  } catch {
    return false;
  }
}

/** What a log append is doing, for its errors. */
export function describe(entries: readonly LogEntry[]): string {
  const first = entries[0]!.seq;
  return entries.length === 1 ? `persisting commit ${first}` : `persisting commits ${first} to ${entries.at(-1)!.seq}`;
}
