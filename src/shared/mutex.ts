/** A FIFO mutex: `acquire()` resolves, in call order, to a release function. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Waits for every earlier holder to release; the returned function releases (once). */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      let done = false;
      release = () => {
        if (!done) (done = true), resolve();
      };
    });
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => held);
    return ready;
  }

  /** Runs `fn` while holding the mutex. */
  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
