/**
 * The Node side's model of the books during a kill run: which transfers
 * were started, acknowledged, refused; what the balances must be; and the
 * checks after a relaunch (Jepsen's bank checks, plus idempotent retries).
 * The page tells us everything through `FAULT {json}` console lines.
 */
import type { Found, Report } from './kill-page';

/** A transfer as the workload made it. */
export interface Transfer {
  key: string;
  from: string;
  to: string;
  amount: number;
}

/** Counts of what went wrong (each should stay 0) and of what happened. */
export interface Tally {
  acked: number;
  lost: number;
  torn: number;
  doubled: number;
  storageLost: number;
  recoveries: number;
  lostToBrowser: number;
  unackedDurable: number;
  unackedRetried: number;
  problems: string[];
}

/** The expected state of the books across rounds. */
export class BankModel {
  readonly tally: Tally = { acked: 0, lost: 0, torn: 0, doubled: 0, storageLost: 0, recoveries: 0, lostToBrowser: 0, unackedDurable: 0, unackedRetried: 0, problems: [] };
  /** Keys whose effect the books must hold, in commit order. */
  private applied: string[] = [];
  private readonly transfers = new Map<string, Transfer>();
  /** This round's transfers started but never answered. */
  private inFlight = new Set<string>();
  private backupKeys: string[] | null = null;
  private restoreStarted = false;
  private restoreAcked = false;
  /** The version of a migration started this round, and whether its open was acknowledged. */
  migrationStarted: number | null = null;
  migrationAcked = false;

  constructor(
    readonly players: readonly string[],
    private readonly opening: bigint,
  ) {}

  /** This round's planned keys. */
  private roundKeys = new Set<string>();

  /** Resets the per-round state before a workload starts, and learns its planned transfers. */
  beginRound(round: number, planned: readonly { from: string; to: string; amount: number }[]): void {
    this.roundKeys = new Set();
    planned.forEach((t, i) => {
      const key = `r${round}-${i}`;
      this.transfers.set(key, { key, ...t });
      this.roundKeys.add(key);
    });
    this.inFlight = new Set();
    this.backupKeys = null;
    this.restoreStarted = this.restoreAcked = false;
    this.migrationStarted = null;
    this.migrationAcked = false;
  }

  /** Takes in one console report of the workload. */
  observe(report: Report): void {
    switch (report.t) {
      case 'start':
        this.inFlight.add(report.key);
        break;
      case 'ack':
        this.inFlight.delete(report.key);
        if (report.replayed) this.problem(`${report.key} was acknowledged as a replay on its first call`);
        this.applied.push(report.key);
        this.tally.acked++;
        break;
      case 'err':
        // A refusal (INSUFFICIENT_FUNDS) changes nothing; any other error is checked like an unanswered call.
        if (report.code === 'INSUFFICIENT_FUNDS') this.inFlight.delete(report.key);
        break;
      case 'backup':
        this.backupKeys = [...this.applied];
        break;
      case 'restore-start':
        this.restoreStarted = true;
        break;
      case 'restore-ack':
        this.restoreAcked = true;
        if (this.backupKeys) this.applied = [...this.backupKeys];
        break;
      case 'migrate-ack':
        this.migrationAcked = true;
        break;
      default:
        break;
    }
  }

  private problem(text: string): void {
    if (this.tally.problems.length < 50) this.tally.problems.push(text);
  }

  /** Balances the books must show when exactly `keys` were applied. */
  balancesOf(keys: Iterable<string>): Record<string, bigint> {
    const out: Record<string, bigint> = {};
    for (const p of this.players) out[p] = this.opening;
    for (const key of keys) {
      const t = this.transfers.get(key)!;
      out[t.from]! -= BigInt(t.amount);
      out[t.to]! += BigInt(t.amount);
    }
    return out;
  }

  private sameBalances(found: Record<string, string>, expected: Record<string, bigint>): boolean {
    return this.players.every((p) => found[p] === String(expected[p]));
  }

  /**
   * Checks what a relaunch found against the model; returns the transfers
   * to retry (started, unanswered and not in the books).
   */
  check(found: Found, supply: bigint, extraMigrations: number[]): { retry: Transfer[]; durableUnacked: Transfer[] } {
    if (found.openError) {
      this.tally.torn++;
      this.problem(`reopen failed: ${found.openError.code}: ${found.openError.message}`);
      return { retry: [], durableUnacked: [] };
    }
    const present = new Set(found.keys);
    for (const key of present) {
      if (!this.transfers.has(key)) {
        this.tally.torn++;
        this.problem(`the books hold ${key}, which no workload started`);
      }
    }
    // A restore cut by the kill leaves the state before it or the backup's, nothing between.
    if (this.restoreStarted && !this.restoreAcked && this.backupKeys) {
      const backup = new Set(this.backupKeys);
      const isBackup = [...present].every((k) => backup.has(k) || this.inFlight.has(k)) && this.backupKeys.every((k) => present.has(k));
      if (isBackup) this.applied = [...this.backupKeys];
    }
    if (found.storageLost) {
      this.tally.storageLost++;
      this.tally.recoveries++;
      // The browser lost IndexedDB; the recovery copy holds a prefix of the commits.
      const prefix = this.applied.findIndex((k) => !present.has(k));
      const kept = prefix === -1 ? this.applied.length : prefix;
      if (this.applied.slice(kept).some((k) => present.has(k))) {
        this.tally.torn++;
        this.problem('the recovery copy is not a prefix of the acknowledged commits');
      }
      this.tally.lostToBrowser += this.applied.length - kept;
      this.applied = this.applied.slice(0, kept);
    }
    for (const key of this.applied) {
      if (!present.has(key)) {
        this.tally.lost++;
        this.problem(`acknowledged transfer ${key} is missing after the relaunch`);
      }
    }
    // Transfers of this round in the books but never acknowledged (their reports may have died with the browser).
    const appliedSet = new Set(this.applied);
    const durableUnacked = [...this.roundKeys].filter((k) => present.has(k) && !appliedSet.has(k)).map((k) => this.transfers.get(k)!);
    const expectedKeys = [...this.applied.filter((k) => present.has(k)), ...durableUnacked.map((t) => t.key)];
    if (!this.sameBalances(found.balances, this.balancesOf(expectedKeys))) {
      this.tally.torn++;
      this.problem(`balances ${JSON.stringify(found.balances)} are not the sum of the transfers the books hold`);
    }
    if (!found.audit.ok || found.audit.totalSupply !== String(supply)) {
      this.tally.torn++;
      this.problem(`audit: ok=${found.audit.ok} supply=${found.audit.totalSupply} (expected ${supply}) ${found.audit.problems.join('; ')}`);
    }
    for (const v of extraMigrations) {
      const row = found.migrationsApplied.includes(v);
      const table = found.migrationTables.includes(`mig_${v}`);
      if (row !== table) {
        this.tally.torn++;
        this.problem(`migration ${v} is half applied: bookkeeping row ${row}, table ${table}`);
      }
      if (v === this.migrationStarted && this.migrationAcked && !row && !found.storageLost) {
        this.tally.lost++;
        this.problem(`migration ${v} was acknowledged but is not applied`);
      }
    }
    this.applied = expectedKeys;
    this.tally.unackedDurable += durableUnacked.length;
    const retry = [...this.inFlight].filter((k) => !present.has(k) && !appliedSet.has(k)).map((k) => this.transfers.get(k)!);
    return { retry: [...durableUnacked, ...retry], durableUnacked };
  }

  /** Checks the outcome of retrying `transfers` (durable ones must replay) and the balances after. */
  afterRetry(transfers: Transfer[], durable: Transfer[], outcomes: ({ replayed: boolean } | { code: string | undefined })[], balances: Record<string, string>): void {
    const durableKeys = new Set(durable.map((t) => t.key));
    transfers.forEach((t, i) => {
      const outcome = outcomes[i]!;
      this.tally.unackedRetried++;
      if ('code' in outcome) {
        if (outcome.code !== 'INSUFFICIENT_FUNDS' || durableKeys.has(t.key)) this.problem(`retry of ${t.key} failed: ${outcome.code}`);
        if (durableKeys.has(t.key)) this.tally.doubled++;
        return;
      }
      if (durableKeys.has(t.key) && !outcome.replayed) {
        this.tally.doubled++;
        this.problem(`retry of durable ${t.key} was applied again`);
      }
      if (!durableKeys.has(t.key)) {
        if (outcome.replayed) {
          this.tally.torn++;
          this.problem(`retry of ${t.key}, absent from the books, claims a replay`);
        }
        this.applied.push(t.key);
      }
    });
    if (!this.sameBalances(balances, this.balancesOf(this.applied))) {
      this.tally.doubled++;
      this.problem(`after the retries the balances ${JSON.stringify(balances)} are not the model's`);
    }
    this.inFlight = new Set();
  }
}
