/**
 * The PostgreSQL client and the one way the server writes: a transaction at
 * the configured isolation level (SERIALIZABLE unless told otherwise), retried
 * on serialization failure (40001) and deadlock (40P01) with jittered
 * exponential backoff. Everything else the server knows lives in the database.
 */
import postgres from 'postgres';

/** A connected client whose int8 columns come back as bigint. */
export type Sql = postgres.Sql<{ bigint: bigint }>;
/** A transaction handle. */
export type Tx = postgres.TransactionSql<{ bigint: bigint }>;

/** Isolation levels the server accepts; the README says why SERIALIZABLE is the default. */
export type Isolation = 'serializable' | 'repeatable read' | 'read committed';

/** Opens a pool to `url`. int8 values are bigint, never a rounded number. */
export function connect(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    types: { bigint: postgres.BigInt },
    onnotice: () => {},
    // A pooled connection must not carry a half-done transaction into the next request.
    idle_timeout: 60,
    connection: { application_name: 'pacioli-sync' },
  });
}

/** SQLSTATEs that mean "run the whole transaction again". */
const RETRYABLE = new Set(['40001', '40P01']);

/** Counts retries, for the load test's report. */
export const txStats = { retries: 0, exhausted: 0 };

/** Options of `transact`. */
export interface TxOptions {
  isolation?: Isolation;
  /** Attempts before giving up and rethrowing the last serialization failure. */
  attempts?: number;
}

/**
 * Runs `fn` in one transaction and returns its result. A serialization failure
 * or deadlock rolls everything back and runs `fn` again from the start, so `fn`
 * must derive everything from what it reads inside the transaction.
 */
export async function transact<T>(sql: Sql, fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
  const isolation = options.isolation ?? 'serializable';
  const attempts = options.attempts ?? 30;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await sql.begin(`isolation level ${isolation}`, fn)) as T;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRYABLE.has(code)) throw error;
      if (attempt >= attempts) {
        txStats.exhausted++;
        throw error;
      }
      txStats.retries++;
      // Full jitter: two contenders that collided should not collide again in step.
      const cap = Math.min(250, 2 * 2 ** Math.min(attempt, 7));
      await new Promise((r) => setTimeout(r, Math.random() * cap));
    }
  }
}
