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

  /** `current`: the open, unbroken copy, if any; `fold`: starts a fold in the background. */
  constructor(
    private readonly current: () => Replica | undefined,
    private readonly fold: () => void,
  ) {}

  /**
   * After each durable commit of this tab: starts the wait again, or drops
   * it when the log is too small (or a fold already started). Only commits
   * arm it and a fold empties the log, so an idle store folds at most once.
   */
  /**
   * At close: true when a fold was waiting for its idle time (and drops the
   * wait). The store then folds at once, as SQLite checkpoints its WAL when
   * it closes, so that the next open replays nothing; a tab that is closed
   * without `close()` leaves the log as it is, which loads the same.
   */
  takeDue(): boolean {
    const due = this.timer !== undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    return due;
  }

  afterCommit(replica: Replica, folding: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (folding || !replica.wantsIdleFold()) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.current()?.wantsIdleFold()) this.fold();
    }, IDLE_FOLD_MS);
  }
}
