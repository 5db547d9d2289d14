/** Samples and their summaries, the seeded random players, and timing one call. */
import { PLAYERS, playerRef } from './workload';

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99?: number;
  mean: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pair(r: () => number, players = PLAYERS): [string, string] {
  const a = Math.floor(r() * players);
  let b = Math.floor(r() * (players - 1));
  if (b >= a) b++;
  return [playerRef(a), playerRef(b)];
}

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
