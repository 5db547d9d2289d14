/**
 * Checkpoints: restorable copies of whole database images, kept in the
 * snapshots database beside the snapshots, each with its SHA-256. Their keys
 * are ['checkpoint', id]: arrays with a string first sort after every
 * snapshot key [seq, nonce], so snapshot sweeps never touch them.
 */
import { get, promisifyRequest } from 'idb-keyval';
import type { CheckpointRecord } from '../../shared/contract';
import { StoreError } from '../../shared/errors';
import { sha256Hex } from '../../shared/hash';
import { idbCall, type StrictStore } from './strict-store';

const CHECKPOINT = 'checkpoint';

/** A restorable copy of the database, kept beside the snapshots (its image stored with it). */
export type Checkpoint = CheckpointRecord;

export class CheckpointStore {
  constructor(private readonly snapshots: StrictStore) {}

  /**
   * Keeps a restorable copy of a whole database image beside the snapshots
   * (before a migration, later before a restore), and keeps only the newest
   * `keep` of them.
   */
  async save(image: Uint8Array, info: { reason: string; schemaVersion: number; seq: number }, keep = 5): Promise<Checkpoint> {
    const createdAt = new Date().toISOString();
    const checkpoint: Checkpoint = { id: `${createdAt}-${Math.random().toString(36).slice(2, 8)}`, createdAt, bytes: image.length, sha256: await sha256Hex(image), ...info };
    await idbCall('saving a checkpoint', () =>
      this.snapshots('readwrite', async (s) => {
        s.put({ ...checkpoint, image }, [CHECKPOINT, checkpoint.id]);
        const keys = (await promisifyRequest(s.getAllKeys(IDBKeyRange.bound([CHECKPOINT], [CHECKPOINT, []])))) as IDBValidKey[];
        for (const key of keys.slice(0, Math.max(0, keys.length - keep))) s.delete(key);
        return promisifyRequest(s.transaction);
      }),
    );
    return checkpoint;
  }

  /** A checkpoint's image, verified against its SHA-256; `NOT_FOUND` when no such checkpoint is kept. */
  async read(id: string): Promise<{ checkpoint: Checkpoint; image: Uint8Array }> {
    const row = (await idbCall('reading a checkpoint', () => get([CHECKPOINT, id], this.snapshots))) as (Checkpoint & { image: unknown }) | undefined;
    if (!row) throw new StoreError('NOT_FOUND', `no checkpoint ${id}`);
    const { image, ...checkpoint } = row;
    if (!(image instanceof Uint8Array) || (await sha256Hex(image)) !== checkpoint.sha256) throw new StoreError('CORRUPT', `checkpoint ${id} is damaged`);
    return { checkpoint, image };
  }

  /** The kept checkpoints, oldest first, without their images. */
  async list(): Promise<Checkpoint[]> {
    const rows = await idbCall('listing checkpoints', () =>
      this.snapshots('readonly', (s) => promisifyRequest(s.getAll(IDBKeyRange.bound([CHECKPOINT], [CHECKPOINT, []])))),
    );
    return (rows as (Checkpoint & { image?: unknown })[]).map(({ image: _image, ...c }) => c);
  }
}
