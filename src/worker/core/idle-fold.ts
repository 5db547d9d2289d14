/**
 * The idle fold: a tab that stops committing folds its log into a snapshot
 * once the log is worth it (Replica.wantsIdleFold), so that the next open
 * of the store replays little. Folding while busy waits for the larger
 * threshold of Replica.wantsFold.
 */
import type { Replica } from './replica';

/**
 * How long this tab goes without committing before it folds a small log.
 * Long enough that a burst of writes is over: the fold holds the write
 * lock while it exports the image (about 3 ms per MB), and a commit
 * arriving then waits for that.
 */
export const IDLE_FOLD_MS = 2000;

export class IdleFold {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the waiting fold is due (`Date.now()` ms): the last commit's time plus IDLE_FOLD_MS; undefined when none waits. */
  private due: number | undefined;

  /** `current`: the open, unbroken copy, if any; `fold`: starts a fold in the background. */
  constructor(
    private readonly current: () => Replica | undefined,
    private readonly fold: () => void,
  ) {}

  /**
   * After each durable commit of this tab: starts the wait again, or drops
   * it when the log is too small (or a fold already started). Only commits
   * arm it and a fold empties the log, so an idle store folds at most once.
   * A commit only moves the due time: the one timer, when it fires early,
   * waits out the rest. Clearing and setting a timer on every commit cost
   * 20 µs a transfer in Chromium's worker profile.
   */
  afterCommit(replica: Replica, folding: boolean): void {
    this.due = folding || !replica.wantsIdleFold() ? undefined : Date.now() + IDLE_FOLD_MS;
    if (this.due !== undefined && this.timer === undefined) this.wait(IDLE_FOLD_MS);
  }

  /**
   * At close: true when a fold was waiting for its idle time (and drops the
   * wait). The store then folds at once, as SQLite checkpoints its WAL when
   * it closes, so that the next open replays nothing; a tab that is closed
   * without `close()` leaves the log as it is, which loads the same.
   */
  takeDue(): boolean {
    const due = this.due !== undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = undefined;
    return due;
  }

  private wait(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.due === undefined) return;
      const left = this.due - Date.now();
      if (left > 0) return this.wait(left);
      this.due = undefined;
      if (this.current()?.wantsIdleFold()) this.fold();
    }, ms);
  }
}
