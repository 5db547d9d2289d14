/**
 * The server's check of a ledger's books: the local `audit()`'s invariants
 * (src/ledger/audit.ts), in SQL on PostgreSQL, with the same wording, plus
 * the log's own: its seqs run 1..head without a gap. PostgreSQL's sum() of
 * bigint is numeric, so sums are exact; they come back as text and become
 * bigint here.
 */
import type { ServerAudit } from '../src/sync/protocol';
import type { Sql } from './db';

/** Checks every invariant of one ledger and names each problem found. Reads one snapshot. */
export async function auditLedger(sql: Sql, ledgerId: string): Promise<ServerAudit> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const problems: string[] = [];

    // 1. Every op's entries sum to zero.
    const unbalanced = await tx<{ seq: bigint; key: string; total: string }[]>`
      SELECT e.seq, o.key, sum(e.amount)::text AS total FROM entry e JOIN op o ON o.ledger_id = e.ledger_id AND o.seq = e.seq
      WHERE e.ledger_id = ${ledgerId} GROUP BY e.seq, o.key HAVING sum(e.amount) <> 0 ORDER BY e.seq`;
    for (const r of unbalanced) problems.push(`operation ${r.key}: its entries sum to ${r.total}, not 0`);

    // 2. Each cached balance equals its entries' sum; 3. no player or pot below zero; supply is what the house minted.
    const accounts = await tx<{ kind: string; ref: string; balance: bigint; total: string }[]>`
      SELECT a.kind, a.ref, a.balance, coalesce(s.total, 0)::text AS total FROM account a
      LEFT JOIN (SELECT kind, ref, sum(amount) AS total FROM entry WHERE ledger_id = ${ledgerId} GROUP BY kind, ref) s
        ON s.kind = a.kind AND s.ref = a.ref
      WHERE a.ledger_id = ${ledgerId} ORDER BY a.kind, a.ref`;
    let supply = 0n;
    let house = 0n;
    for (const a of accounts) {
      const name = `${a.kind} ${a.ref}`;
      const sum = BigInt(a.total);
      if (a.balance !== sum) problems.push(`${name}: cached balance ${a.balance} differs from the sum of its entries ${sum}`);
      if (a.kind === 'house') house += a.balance;
      else {
        supply += a.balance;
        if (a.balance < 0n) problems.push(`${name}: negative balance ${a.balance}`);
      }
    }
    if (accounts.filter((a) => a.kind === 'house').length !== 1) problems.push('there must be exactly one house account');
    if (supply !== -house) problems.push(`total supply ${supply} is not explained by the house's ${house}`);

    // 4. Settled pots are empty; pot entries belong to a bet on or the settling of their own game.
    for (const g of await tx<{ id: string; balance: bigint }[]>`
      SELECT g.id, a.balance FROM game g JOIN account a ON a.ledger_id = g.ledger_id AND a.kind = 'pot' AND a.ref = g.id
      WHERE g.ledger_id = ${ledgerId} AND g.status = 'settled' AND a.balance <> 0`) {
      problems.push(`game ${g.id}: settled but its pot still holds ${g.balance}`);
    }
    for (const r of await tx<{ seq: bigint; ref: string }[]>`
      SELECT e.seq, e.ref FROM entry e JOIN op o ON o.ledger_id = e.ledger_id AND o.seq = e.seq
      WHERE e.ledger_id = ${ledgerId} AND e.kind = 'pot' AND (o.game IS DISTINCT FROM e.ref OR o.kind NOT IN ('recordBet', 'settleGame'))`) {
      problems.push(`entry ${r.seq}/${r.ref}: moves the pot of game ${r.ref} for another game or a non-game operation`);
    }
    for (const r of await tx<{ ref: string }[]>`
      SELECT a.ref FROM account a LEFT JOIN game g ON g.ledger_id = a.ledger_id AND g.id = a.ref
      WHERE a.ledger_id = ${ledgerId} AND a.kind = 'pot' AND g.id IS NULL`) {
      problems.push(`pot ${r.ref}: belongs to no game`);
    }
    // (Foreign keys are PostgreSQL's to keep: they are enforced, not merely checkable.)

    // 5. The canonical log runs 1..head without a gap.
    const [log] = await tx<{ head: bigint; n: bigint; top: bigint | null }[]>`
      SELECT l.head, (SELECT count(seq) FROM op WHERE ledger_id = l.id) AS n, (SELECT max(seq) FROM op WHERE ledger_id = l.id) AS top
      FROM ledger l WHERE l.id = ${ledgerId}`;
    const headSeq = log?.head ?? 0n;
    if (log && (log.n !== headSeq || (log.top ?? 0n) !== headSeq)) {
      problems.push(`the log has ${log.n} applied ops up to seq ${log.top ?? 0n}, but its head is ${headSeq}`);
    }
    return { ok: problems.length === 0, problems, totalSupply: String(supply), head: String(headSeq) };
  }) as Promise<ServerAudit>;
}
