/**
 * When this tab takes in other tabs' commits.
 *
 * Applying each announcement as it arrives kept an idle tab's copy current
 * to the millisecond, but it cost: a tab writing as fast as it can, with
 * three idle tabs of the same store open, made about half as many commits
 * per second on two cores as alone (Chromium), every idle tab running one
 * SQLite transaction per commit of the writer's. So an idle tab waits a
 * short while after the first announcement and applies everything heard by
 * then in one go. Nothing reads the copy in between without applying first:
 * every call in this tab's turn takes in what was announced before it
 * (`beforeCall`), from the announcements alone when every one arrived, so a
 * read sees what its tab has heard of, as before. Only the change events of
 * live queries in an idle tab come up to `CATCH_UP_AFTER_MS` later.
 */
import type { Session } from './session';

/** How long an idle tab lets announcements gather before it applies them: under a frame and a half. */
export const CATCH_UP_AFTER_MS = 20;

export class CatchUp {
  private queued = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly session: Session,
    /** Runs `fn` in this tab's turn (after its earlier calls). */
    private readonly turn: (fn: () => Promise<void>) => Promise<void>,
  ) {}

  /**
   * Another tab announced a commit (`poll` false), or it is time to look at
   * the log anyway (`poll`, the safety net for lost messages). An
   * announcement starts the wait, unless one is already under way; the
   * poll reads the log between this tab's own calls.
   */
  heard(poll: boolean): void {
    if (poll) return this.queue(true);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.queue(false);
    }, CATCH_UP_AFTER_MS);
  }

  /** In this tab's turn, before any call: takes in what other tabs announced so far. A failure is left to the next try. */
  async beforeCall(): Promise<void> {
    const replica = this.session.current();
    if (!replica || this.session.inTransaction() || this.session.channel().announced <= replica.seq) return;
    await this.catchUp(false);
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private queue(poll: boolean): void {
    if (this.queued || this.session.inTransaction() || !this.session.current()) return;
    this.queued = true;
    void this.turn(async () => {
      this.queued = false;
      // The turn itself ran `beforeCall`: an announcement is taken in by now, only the poll is left.
      if (poll) await this.catchUp(true);
    });
  }

  private async catchUp(poll: boolean): Promise<void> {
    const replica = this.session.current();
    if (!replica || this.session.inTransaction()) return;
    await (poll ? replica.refresh() : replica.catchUp()).catch((error: unknown) => console.warn(`[pacioli] catching up failed: ${String(error)}`));
    this.session.checkSchema();
  }
}
