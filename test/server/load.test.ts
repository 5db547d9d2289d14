import { expect, inject, it } from 'vitest';
import type { Isolation } from '../../server/db';
import { runLoad } from '../../server/load';

// The quick profile of `npm run load:sync`: a few devices, bounded in ops and time, every check of the full run;
// under the default SERIALIZABLE and under READ COMMITTED, which server/README.md claims is enough on PostgreSQL.
it.each<Isolation>(['serializable', 'read committed'])('concurrent devices lose nothing, apply nothing twice, and keep the bank whole (%s)', async (isolation) => {
  const report = await runLoad({
    isolation,
    databaseUrl: inject('databaseUrl'),
    ledgers: 2,
    devicesPerLedger: 3,
    opsPerDevice: 30,
    batch: 5,
    players: 4,
    seconds: 20,
    lostAnswers: 0.3,
  });
  expect(report.decided).toBeGreaterThan(0);
  expect(report.decided).toBe(report.applied + report.rejected);
  expect(report.resent).toBeGreaterThan(0);
  expect(report.lost).toBe(0);
  expect(report.doubleApplied).toBe(0);
  expect(report.auditsDuringRun).toBeGreaterThan(0);
  expect(report.auditFailures).toEqual([]);
  expect(report.finalChecks).toEqual([]);
}, 60_000);
