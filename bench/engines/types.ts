/**
 * What the SQL worker (bench/sql.worker.ts) needs of an engine: run SQL,
 * read rows, and the SQL dialect its workload is written in (SQLite's, or
 * PostgreSQL's for PGlite). One module per engine family, loaded on demand,
 * so a worker only fetches and compiles the engine it runs.
 */
import { SCHEMA_SQL, SQL, fillSql, playersSql } from '../workload';

export type Row = unknown[];

/** The ledger workload's statements in one engine's dialect. */
export interface Dialect {
  sql: Record<keyof typeof SQL, string>;
  schema: string;
  players: string;
  fill(from: number, to: number): string;
  /** Whether the ledger tables exist yet. */
  exists: string;
}

export const SQLITE: Dialect = {
  sql: SQL,
  schema: SCHEMA_SQL,
  players: playersSql(),
  fill: fillSql,
  exists: `SELECT count(*) FROM sqlite_master WHERE name = 'account'`,
};

export interface Db {
  exec(sql: string): Promise<void>;
  all(sql: string, params: unknown[]): Promise<Row[]>;
  /** Runs `fn` as one transaction; durable (per the engine's promise) when it resolves. */
  transaction?(fn: () => Promise<void>): Promise<void>;
  /** Called after each commit: the naive contender writes its whole image here. */
  afterCommit(): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
  config: string;
  dialect: Dialect;
}
