/**
 * The commit log in the Origin Private File System, for stores opened with
 * `log: 'opfs'`: one durable append is one write and one `flush()` on a
 * synchronous access handle (an fsync), about a third of a strict IndexedDB
 * transaction (bench/README.md, "physical limits"). Snapshots and their
 * pointer stay in IndexedDB (idb/layout.ts), and so does every store that
 * never asked for this.
 *
 *   directory `pacioli-log/<stem>`         (stem: the store's name, hashed)
 *     seg-<first>  records of commits first, first+1, … (no gaps; records.ts)
 *
 * Why it is safe:
 *  - Only the holder of the store's write lock appends. Where the browser
 *    offers shared access handles (`readwrite-unsafe`, Chromium) each tab
 *    keeps its own open between leases; the lock alone keeps writers apart.
 *    Elsewhere (Firefox) a handle is exclusive: the holder closes it before
 *    it lets go of the lock (`release()`), and the next holder waits the
 *    moment Firefox takes to let the file go.
 *  - A crash mid-append leaves a torn last record; its CRC fails, readers
 *    stop before it, and the next writer cuts it off before appending.
 *  - The writer checks, once per lease, that the commit it appends follows
 *    the newest one on disk (log, snapshot pointer, older IndexedDB log):
 *    a tab whose view was stale gets `CONFLICT`, as with the IndexedDB log.
 *  - A fold covers the old segments; the writer then starts a new segment,
 *    and segments whose every commit is folded are deleted. Readers read the
 *    segment files first and the snapshot pointer after (layout.ts), so a
 *    fold in between never leaves them a gap; a file deleted or growing
 *    under a reader makes it read again.
 * Other tabs read segments through `getFile()`, which browsers allow while
 * the writer holds its handle. A record becomes visible to them once
 * written, a moment before its flush completes: only an OS crash inside
 * that moment could take back a commit another tab already showed.
 */
import { conflict, fromStorage, StoreError } from '../../shared/errors';
import { closeQuietly, handleOn, opfsLogSupported, type AccessHandle } from './handles';
import { encode, HEADER, parse, type LogEntry } from './records';
import { SegmentFiles, type Segment } from './segment-files';

export { opfsLogSupported };
export type { LogEntry };

/** How often a reader starts over when a segment was deleted or changed under it. */
const READ_ATTEMPTS = 5;
/** A shared handle kept between leases is closed after this long without one, so that folded segments can be deleted. */
const KEEP_HANDLE_MS = 2000;

/** What the writer knows while it holds the lock. */
interface Writer {
  segment: Segment;
  access: AccessHandle;
  /** The byte offset after the last valid record. */
  end: number;
  /** The newest commit on disk: this segment's last record, the snapshot, or the IndexedDB log. */
  tail: number;
  /** The newest snapshot known: segments it covers are folded. */
  base: number;
}

export class OpfsLog {
  private readonly files: SegmentFiles;
  private writer: Writer | undefined;
  /** A shared handle kept open after the last lease, and the timer that closes it. */
  private kept: { segment: Segment; access: AccessHandle; timer: ReturnType<typeof setTimeout> } | undefined;
  /** End offsets of the records read so far, per segment: a reader reads only what is new. */
  private readonly ends = new Map<string, number[]>();

  /** `flush`: strict durability (relaxed writes are not flushed). */
  constructor(
    name: string,
    private readonly flush: boolean,
  ) {
    this.files = new SegmentFiles(name);
  }

  /** True when this store keeps (part of) its log here. */
  async exists(): Promise<boolean> {
    return (await this.files.dir(false)) !== undefined;
  }

  /** Every commit after `after` kept here, in order; a damaged record before the last segment's end is `CORRUPT`. */
  async read(after: number): Promise<LogEntry[]> {
    const dir = await this.files.dir(false);
    if (!dir) return [];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.readOnce(dir, after);
      } catch (error) {
        const name = (error as { name?: string } | null)?.name;
        // A fold deleted a segment, or the writer grew one, while it was being read: read again.
        if ((name === 'NotFoundError' || name === 'NotReadableError') && attempt < READ_ATTEMPTS) continue;
        throw fromStorage(error, 'reading the OPFS log', 'OPFS');
      }
    }
  }

  private async readOnce(dir: FileSystemDirectoryHandle, after: number): Promise<LogEntry[]> {
    const segments = await this.files.list(dir);
    const entries: LogEntry[] = [];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      const next = segments[i + 1];
      if (next && next.first <= after + 1) continue; // every commit in it is at or below `after`
      const ends = this.ends.get(seg.name) ?? [];
      // Records follow each other from `first`: the one after `after` starts where its predecessor ended.
      const skip = Math.min(Math.max(after - seg.first + 1, 0), ends.length);
      const from = skip === 0 ? 0 : ends[skip - 1]!;
      const file = await seg.handle.getFile();
      const bytes = new Uint8Array(await file.slice(from).arrayBuffer());
      const parsed = parse(bytes, from, seg.first + skip);
      if (parsed.damaged || (parsed.torn && next)) throw damage(seg, parsed.end);
      ends.length = skip;
      ends.push(...parsed.ends);
      this.ends.set(seg.name, ends);
      for (const e of parsed.entries) if (e.seq > after) entries.push(e);
    }
    return entries;
  }

  /** The newest commit kept here (0: none). */
  async highest(): Promise<number> {
    const dir = await this.files.dir(false);
    const last = dir && (await this.files.list(dir)).at(-1);
    if (!last) return 0;
    // A segment is made for the commit that follows the newest one: an empty one says which that was.
    return (await this.read(last.first - 1)).at(-1)?.seq ?? last.first - 1;
  }

  /**
   * Appends commits and flushes them; hold the write lock. `newestElsewhere`
   * (asked once per lease) is the newest commit IndexedDB knows (snapshot
   * pointer, older log). The first entry must follow the newest on disk, or
   * this tab's view was stale: `CONFLICT`. `what` names the commits in errors.
   */
  async append(entries: readonly LogEntry[], newestElsewhere: () => Promise<number>, what: string): Promise<void> {
    const writer = this.writer ?? (await this.open(newestElsewhere));
    const first = entries[0]!.seq;
    if (first !== writer.tail + 1) {
      throw conflict(Math.min(first, writer.tail));
    }
    // A segment holds commits first, first+1, … without a gap (readers count on it). Start the next one when
    // a fold covers part of this one (so that it can go once all of it is folded), and whenever this commit
    // does not follow on in it: a snapshot commit (a restore, a migration) took the commit number between,
    // or a crash left the segment empty, named for a commit that was never written.
    const following = writer.segment.first + (this.ends.get(writer.segment.name)?.length ?? 0);
    if ((writer.base >= writer.segment.first && writer.end > 0) || first !== following) {
      // Making a file can meet the quota too (right after a fold, at the quota): typed, so the reserve can help.
      await this.rotate(writer, first).catch((error: unknown) => {
        throw fromStorage(error, what, 'OPFS');
      });
    }
    const buf = encode(entries);
    const size = buf.length;
    try {
      const written = writer.access.write(buf, { at: writer.end });
      if (written !== size) throw new DOMException(`only ${written} of ${size} bytes were written`, 'QuotaExceededError');
      if (this.flush) writer.access.flush();
    } catch (error) {
      // Nothing of it counts: cut it off again, so the next append starts where this one did.
      try {
        writer.access.truncate(writer.end);
        if (this.flush) writer.access.flush();
      } catch {
        this.release(true); // the next append opens the file anew and cuts off what is torn
      }
      throw fromStorage(error, what, 'OPFS');
    }
    const ends = this.ends.get(writer.segment.name) ?? [];
    for (const e of entries) ends.push((ends.at(-1) ?? 0) + HEADER + e.bytes.length);
    this.ends.set(writer.segment.name, ends);
    writer.end += size;
    writer.tail = entries.at(-1)!.seq;
  }

  /** A snapshot commit `seq` of this tab is durable (its pointer flipped): the next commit follows it. */
  noteSnapshot(seq: number): void {
    if (!this.writer) return;
    this.writer.tail = Math.max(this.writer.tail, seq);
    this.writer.base = Math.max(this.writer.base, seq);
  }

  /** A fold of this tab reached `seq`. */
  noteFold(seq: number): void {
    if (this.writer) this.writer.base = Math.max(this.writer.base, seq);
  }

  private async open(newestElsewhere: () => Promise<number>): Promise<Writer> {
    const what = 'opening the OPFS log';
    const dir = (await this.files.dir(true))!;
    const elsewhere = await newestElsewhere();
    try {
      const segment = (await this.files.list(dir)).at(-1) ?? (await this.files.create(dir, elsewhere + 1));
      const kept = this.kept;
      this.kept = undefined;
      if (kept) clearTimeout(kept.timer);
      if (kept && kept.segment.name !== segment.name) kept.access.close(); // another tab started a newer segment
      const access = kept?.segment.name === segment.name ? kept.access : await handleOn(segment.handle);
      try {
        // Records never change once written: read only past those this tab already knows (its own, or read
        // while catching up), so that taking the lock costs the same at 4 MB of log as at 4 KB.
        const size = access.getSize();
        // Emptied since this tab read it: a snapshot held all of it, and its writer gave the room back (rotate).
        if (size === 0) this.ends.set(segment.name, []);
        const known = this.ends.get(segment.name) ?? [];
        const from = known.at(-1) ?? 0;
        if (size < from) throw new StoreError('CORRUPT', `the OPFS log segment of commits from ${segment.first} is shorter than before (${size} < ${from} bytes)`);
        const bytes = new Uint8Array(size - from);
        access.read(bytes, { at: from });
        const parsed = parse(bytes, from, segment.first + known.length);
        if (parsed.damaged) throw damage(segment, parsed.end);
        if (parsed.torn) {
          access.truncate(parsed.end); // a crash tore the last append, which no caller heard was done
          access.flush();
        }
        const ends = [...known, ...parsed.ends];
        this.ends.set(segment.name, ends);
        const last = segment.first + ends.length - 1; // records follow each other from `first`
        this.writer = { segment, access, end: parsed.end, tail: Math.max(last, elsewhere), base: elsewhere };
        return this.writer;
      } catch (error) {
        access.close();
        throw error;
      }
    } catch (error) {
      throw fromStorage(error, what, 'OPFS');
    }
  }

  private async rotate(writer: Writer, first: number): Promise<void> {
    const dir = (await this.files.dir(true))!;
    if (writer.base >= writer.tail && writer.end > 0) {
      // A snapshot holds every commit of this segment: give its room back before asking for a new file. At the
      // quota (after deleting data and folding) the new file would not fit beside it, and only the lock's
      // holder may touch the segment others append to. Emptied, it is swept like any other.
      writer.access.truncate(0);
      writer.end = 0;
      this.ends.set(writer.segment.name, []);
    }
    const segment = await this.files.create(dir, first);
    const access = await handleOn(segment.handle);
    try {
      access.truncate(0); // a segment of this name left by a crash between its creation and its first append
    } catch (error) {
      closeQuietly(access);
      throw error;
    }
    writer.access.close();
    Object.assign(writer, { segment, access, end: 0 });
    this.ends.set(segment.name, []);
    void this.sweep(writer.base);
  }

  /** Deletes the segments every commit of which is at or below snapshot `seq`. Best effort. */
  async sweep(seq: number): Promise<void> {
    const dir = await this.files.dir(false).catch(() => undefined);
    if (!dir) return;
    const segments = await this.files.list(dir).catch(() => [] as Segment[]);
    for (let i = 0; i + 1 < segments.length; i++) {
      if (segments[i + 1]!.first > seq + 1) break;
      await dir.removeEntry(segments[i]!.name).catch(() => undefined); // open elsewhere, or gone: next time
      this.ends.delete(segments[i]!.name);
    }
  }

  /**
   * This tab lets go of the write lock: an exclusive handle closes now, so
   * the next writer can open it; a shared one stays open a while for this
   * tab's next lease. `final`: the store closes, every handle goes.
   */
  release(final = false): void {
    const writer = this.writer;
    this.writer = undefined;
    if (!writer) {
      if (final && this.kept) (clearTimeout(this.kept.timer), closeQuietly(this.kept.access), (this.kept = undefined));
      return;
    }
    if (final || (writer.access as { mode?: string }).mode !== 'readwrite-unsafe') return closeQuietly(writer.access);
    const timer = setTimeout(() => {
      if (this.kept?.access === writer.access) (closeQuietly(writer.access), (this.kept = undefined));
    }, KEEP_HANDLE_MS);
    this.kept = { segment: writer.segment, access: writer.access, timer };
  }

  /** Deletes the store's OPFS log (deleteStore). Fails with `BUSY` while a tab writes to it. */
  async remove(): Promise<void> {
    this.release(true);
    await this.files.remove();
    this.ends.clear();
  }

}

function damage(segment: Segment, at: number): StoreError {
  return new StoreError('CORRUPT', `the OPFS log segment of commits from ${segment.first} is damaged at byte ${at}`);
}

