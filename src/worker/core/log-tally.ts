/**
 * What this tab's copy knows of the log since the last snapshot: each
 * entry's commit number and size, and their total. Every commit asks
 * whether a fold pays (twice: the busy and the idle threshold), so the
 * total is kept as entries come and go rather than summed each time. Summed,
 * it walked the whole log on every commit, a cost that grew with the log
 * until a fold: 15 µs a transfer in Chromium's worker profile (one caller,
 * a log growing to 1 700 entries), and the default fold waits for 4 MB.
 */
export class LogTally {
  private entries: { seq: number; bytes: number }[] = [];
  private total = 0;

  /** Entries in the log. */
  get count(): number {
    return this.entries.length;
  }

  /** Their bytes, all together. */
  get bytes(): number {
    return this.total;
  }

  /** The newest entry's commit number, if any. */
  get lastSeq(): number | undefined {
    return this.entries.at(-1)?.seq;
  }

  /** Starts over with `entries` (a load), or empty (a snapshot commit). The tally never changes an entry: only the list is its own. */
  reset(entries: readonly { seq: number; bytes: number }[] = []): void {
    this.entries = [...entries];
    this.total = this.entries.reduce((n, e) => n + e.bytes, 0);
  }

  /** One more entry, of `bytes` bytes. */
  add(seq: number, bytes: number): void {
    this.entries.push({ seq, bytes });
    this.total += bytes;
  }

  /** Forgets the entries a snapshot of commit `seq` holds. */
  dropThrough(seq: number): void {
    this.reset(this.entries.filter((e) => e.seq > seq));
  }
}
