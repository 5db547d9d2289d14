/**
 * The two profiles of the fault suite. `quick` runs inside `npm test` (a few
 * kills per engine, small N everywhere, a few minutes); `full`
 * (`FAULTS_PROFILE=full`, `npm run test:faults`) runs the sizes.
 * Individual sizes can be overridden by env vars, to reproduce or to scale.
 */
export type ProfileName = 'quick' | 'full';

/** Which profile this run uses. */
export const PROFILE: ProfileName = process.env.FAULTS_PROFILE === 'full' ? 'full' : 'quick';

function sized(envVar: string, quick: number, full: number): number {
  const raw = process.env[envVar];
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${envVar} must be a non-negative integer, not ${raw}`);
    return n;
  }
  return PROFILE === 'full' ? full : quick;
}

/** Sizes of every family, per profile. */
export const SIZES = {
  /** Whole-browser kills per engine. */
  kills: sized('FAULTS_KILLS', 3, 200),
  /** Renderer crashes and worker terminations (each, per engine where it applies). */
  crashes: sized('FAULTS_CRASHES', 2, 20),
  /** Highest N for "the Nth IndexedDB request fails", per phase. */
  idbMaxN: sized('FAULTS_IDB_N', 2, 8),
  /** Steps of the multi-tab chaos run. */
  chaosSteps: sized('FAULTS_CHAOS_STEPS', 9, 80),
  /** Failing calls in a row in the leak check. */
  failingCalls: sized('FAULTS_FAILING_CALLS', 2_000, 10_000),
  /** Small operations in the soak. */
  soakOps: sized('FAULTS_SOAK_OPS', 4_000, 300_000),
} as const;
