/**
 * A seeded pseudo-random generator (mulberry32), so that every fault run can
 * be replayed exactly from the seed it prints.
 */

/** Random numbers from one seed; the same seed gives the same sequence. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }
}

/**
 * The seed of a suite: `FAULTS_SEED` when set (to replay a failure), else
 * one drawn now. Each family derives its own from it, so one env var
 * replays every family.
 */
export function suiteSeed(): number {
  const fromEnv = process.env.FAULTS_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`FAULTS_SEED must be a non-negative integer, not ${fromEnv}`);
    return seed >>> 0;
  }
  return Math.floor(Math.random() * 2 ** 31);
}

/** A seed for one family and engine, derived from the suite's. */
export function derivedSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (const ch of label) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
