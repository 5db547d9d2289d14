/**
 * Vitest global setup for the server tests: a real PostgreSQL for the whole
 * run. Uses DATABASE_URL when set; otherwise starts the throw-away one of
 * scripts/pg-dev.mjs (about half a second) and removes it afterwards. The
 * server schema is migrated once here, so test files never race to do it.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../scripts/pg-dev.mjs';
import { connect } from '../../server/db';
import { migrate } from '../../server/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = process.env.DATABASE_URL ? undefined : await startPostgres({ quiet: true });
  const url = process.env.DATABASE_URL ?? pg!.url;
  const sql = connect(url, { max: 1 });
  await migrate(sql);
  await sql.end();
  project.provide('databaseUrl', url);
  return async () => pg?.stop();
}
