/**
 * The Nth IndexedDB request fails (once, or from then on until healed), for
 * N = 1, 2, 3 … through an open, a commit, a fold, a restore and a
 * migration. Every failure must surface as a typed StoreError (never a hang,
 * never a bare DOMException); nothing acknowledged is lost; memory is never
 * ahead of disk (after a failed write, both show the state before it); and
 * once IndexedDB works again, so does the store.
 */
import { expect, test } from '@playwright/test';
import { record } from './figures';
import { armedName, arm, heal, injectedSoFar, installIdbFaults, type Arm } from './idb-inject';
import { again, createBooks, EXPECTED, fromDisk, memoryBalances, prepare, strike, type Phase } from './idb-phases';
import { PROFILE, SIZES } from './profile';
import { toHarness } from './rounds';

const PHASES: readonly Phase[] = ['open', 'commit', 'fold', 'restore', 'migration'];
const MODES: readonly Omit<Arm, 'n'>[] = [
  { persistent: false, kind: 'abort' },
  { persistent: false, kind: 'throw' },
  { persistent: true, kind: 'abort' },
];

for (const phase of PHASES) {
  test(`the Nth IndexedDB request failing during ${phase === 'open' ? 'an open' : `a ${phase}`} is typed, loses nothing and leaves memory no ahead of disk`, async ({ context, baseURL, browserName }) => {
    test.setTimeout(60_000 + SIZES.idbMaxN * MODES.length * 15_000);
    const faulty = await context.newPage();
    await installIdbFaults(faulty);
    await toHarness(faulty, baseURL!);
    const clean = await toHarness(await context.newPage(), baseURL!);
    const problems: string[] = [];
    let typed = 0;
    let untyped = 0;
    let failedOps = 0;
    let cases = 0;
    const started = Date.now();
    try {
      for (let n = 1; n <= SIZES.idbMaxN; n++) {
        // The quick profile takes one failure mode per N, in turn; the full one every mode at every N.
        for (const mode of PROFILE === 'full' ? MODES : [MODES[(n - 1) % MODES.length]!]) {
          const how: Arm = { n, ...mode };
          const label = `${phase} n=${n} ${mode.persistent ? 'persistent' : 'once'} ${mode.kind}`;
          const name = phase === 'open' || phase === 'migration' ? armedName(`idb-${phase}-${n}`, how) : `idb-${phase}-${n}-${mode.kind}-${mode.persistent}`;
          cases++;
          await createBooks(clean, name);
          await prepare(faulty, phase, name);
          if (phase !== 'open' && phase !== 'migration') await arm(faulty, how);
          const outcome = await strike(faulty, phase, name);
          if (!outcome.ok) {
            failedOps++;
            if (outcome.hung) problems.push(`${label}: the call never settled`);
            else if (outcome.typed) typed++;
            else {
              untyped++;
              problems.push(`${label}: untyped error ${outcome.message}`);
            }
          }
          const expected = outcome.ok ? EXPECTED[phase].ok : EXPECTED[phase].failed;
          const memory = await memoryBalances(faulty);
          if (memory && (memory[0] !== expected[0] || memory[1] !== expected[1])) {
            problems.push(`${label}: memory shows ${memory} after the call ${outcome.ok ? 'succeeded' : `failed (${outcome.code})`}, expected ${expected}`);
          }
          const disk = await fromDisk(clean, name);
          if (disk.balances[0] !== expected[0] || disk.balances[1] !== expected[1]) {
            problems.push(`${label}: disk shows ${disk.balances} after the call ${outcome.ok ? 'succeeded' : `failed (${outcome.code})`}, expected ${expected}`);
          }
          if (phase === 'migration' && disk.version !== (outcome.ok ? 3 : 2)) problems.push(`${label}: schema version ${disk.version} on disk after the migration ${outcome.ok ? 'succeeded' : 'failed'}`);
          if (!disk.auditOk) problems.push(`${label}: audit after the fault: ${disk.problems.join('; ')}`);

          await heal(faulty);
          // A store armed by its name is armed again in every new worker of the faulty page: an open after healing goes to the clean page.
          const healed = await again(phase === 'open' || phase === 'migration' ? clean : faulty, phase, name);
          if (!healed.ok) problems.push(`${label}: the store did not work again once IndexedDB did: ${healed.code}: ${healed.message}`);
          const final = await fromDisk(clean, name);
          const settled = EXPECTED[phase].ok;
          if (final.balances[0] !== settled[0] || final.balances[1] !== settled[1] || !final.auditOk) {
            problems.push(`${label}: after healing and redoing, disk shows ${final.balances} (audit ${final.auditOk}), expected ${settled}`);
          }
          if (phase === 'migration' && final.version !== 3) problems.push(`${label}: schema version ${final.version} after healing`);
        }
      }
    } finally {
      const injected = await injectedSoFar(faulty).catch(() => -1);
      record({ family: 'IndexedDB faults', engine: browserName, rounds: cases, injected, typedErrors: typed, untypedErrors: untyped, ms: Date.now() - started, note: `${phase}: ${cases} cases, ${failedOps} calls failed, ${injected} failures injected` });
      console.log(`[faults] idb ${phase} ${browserName}: ${cases} cases, ${failedOps} failed calls, ${typed} typed, ${untyped} untyped, ${injected} injected`);
    }
    expect(problems).toEqual([]);
  });
}

