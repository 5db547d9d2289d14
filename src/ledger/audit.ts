/**
 * The books' integrity check. SQLite's sum() throws on 64-bit overflow and
 * total() is floating point, so sums are taken in two exact halves (high and
 * low 32 bits of each amount) and joined as bigints.
 */
import type { Sql } from '../shared/types';
import type { AuditReport } from './types';

const HALVES = `sum(amount >> 32) AS hi, sum(amount & 4294967295) AS lo`;

/**
 * The audit's two sums over every entry. Each reads one index of `entry`
 * alone (the indexes carry `amount`, migration 4): with a row lookup per
 * entry, the sum by account took ten times as long on a large ledger.
 */
export const AUDIT_SUMS = {
  byOperation: `SELECT operation, ${HALVES} FROM entry GROUP BY operation
    HAVING sum(amount >> 32) * 4294967296 + sum(amount & 4294967295) <> 0`,
  byAccount: `SELECT a.id, a.kind, a.ref, a.balance, s.hi, s.lo FROM account a
    LEFT JOIN (SELECT account, ${HALVES} FROM entry GROUP BY account) s ON s.account = a.id`,
} as const;

function joined(hi: unknown, lo: unknown): bigint {
  return BigInt((hi as number | bigint | null) ?? 0) * 4294967296n + BigInt((lo as number | bigint | null) ?? 0);
}

/** Checks every invariant and names each problem found. Reads only. */
export function audit(e: Sql): AuditReport {
  const problems: string[] = [];

  // 1. Every operation's entries sum to zero. (The HAVING is a coarse filter; the bigint check decides.)
  const unbalanced = e.query(AUDIT_SUMS.byOperation);
  for (const row of unbalanced) {
    const sum = joined(row.hi, row.lo);
    if (sum !== 0n) problems.push(`operation ${String(row.operation)}: its entries sum to ${sum}, not 0`);
  }

  // 2. Each cached balance equals the sum of its account's entries; 3. no player or pot below zero.
  let supply = 0n;
  let houseBalance = 0n;
  const accounts = e.query(AUDIT_SUMS.byAccount);
  for (const a of accounts) {
    const name = `${String(a.kind)} ${String(a.ref)}`;
    const balance = BigInt(a.balance as number | bigint);
    const sum = joined(a.hi, a.lo);
    if (balance !== sum) problems.push(`${name}: cached balance ${balance} differs from the sum of its entries ${sum}`);
    if (a.kind === 'house') houseBalance += balance;
    else {
      supply += balance;
      if (balance < 0n) problems.push(`${name}: negative balance ${balance}`);
    }
  }
  if (accounts.filter((a) => a.kind === 'house').length !== 1) problems.push('there must be exactly one house account');
  // The house minted everything players and pots hold.
  if (supply !== -houseBalance) problems.push(`total supply ${supply} is not explained by the house's ${houseBalance}`);

  // 4. Bets escrowed in a pot are paid out (settled pot is empty) or still held; pot entries belong to their game.
  for (const g of e.query(`SELECT g.id, a.balance FROM game g JOIN account a ON a.id = g.pot WHERE g.status = 'settled' AND a.balance <> 0`)) {
    problems.push(`game ${String(g.id)}: settled but its pot still holds ${String(g.balance)}`);
  }
  for (const r of e.query(`SELECT e.id, g.id AS game, o.game AS opgame FROM entry e JOIN game g ON g.pot = e.account
      JOIN operation o ON o.id = e.operation WHERE o.game IS NOT g.id OR o.kind NOT IN ('bet', 'settle')`)) {
    problems.push(`entry ${String(r.id)}: moves the pot of game ${String(r.game)} for another game or a non-game operation`);
  }
  for (const r of e.query(`SELECT a.ref FROM account a LEFT JOIN game g ON g.pot = a.id WHERE a.kind = 'pot' AND g.id IS NULL`)) {
    problems.push(`pot ${String(r.ref)}: belongs to no game`);
  }
  for (const r of e.query(`PRAGMA foreign_key_check`)) {
    problems.push(`table ${String(r.table)} row ${String(r.rowid)}: foreign key to ${String(r.parent)} is broken`);
  }
  return { ok: problems.length === 0, problems, totalSupply: supply };
}
