/**
 * Opt-in stage timing, for the benchmark's breakdowns of a cold open and a
 * single commit (bench/stages.ts reads them). Off unless the worker was
 * started with the name `pacioli-stages` (the `worker` option); then it is
 * one boolean test per mark. Marks are `[name, epoch ms]` (timeOrigin plus
 * now, so the page can line them up with its own clock) and leave the
 * worker on a BroadcastChannel after the current task, not while a commit
 * is being timed.
 */
export const STAGES_WORKER_NAME = 'pacioli-stages';
export const STAGES_CHANNEL = 'pacioli-stages';

let marks: [string, number][] | undefined;
let flushing = false;
let channel: BroadcastChannel | undefined;

/** Turns stage timing on in this context (the worker entry does, when its name says so). */
export function enableStages(): void {
  marks = [];
  channel = new BroadcastChannel(STAGES_CHANNEL);
}

/** Records that `name` happened now; nothing when stage timing is off. */
export function stage(name: string): void {
  if (marks === undefined) return;
  marks.push([name, performance.timeOrigin + performance.now()]);
  if (flushing) return;
  flushing = true;
  setTimeout(() => {
    flushing = false;
    const out = marks!;
    marks = [];
    channel!.postMessage(out);
  }, 0);
}

/** Runs `fn` with stage marks off: work that is not the thing being timed (a warm-up) must not leave marks that look like it. */
export function quietly<T>(fn: () => T): T {
  const kept = marks;
  marks = undefined;
  try {
    return fn();
  } finally {
    marks = kept;
  }
}
