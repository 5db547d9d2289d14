/**
 * `npm run server`: migrates the database at DATABASE_URL, then serves the
 * sync API. Settings come from the environment (server/README.md lists them).
 */
import { buildApp } from './app';
import { corsFromEnv } from './cors';
import { connect, type Isolation } from './db';
import { migrate } from './migrate';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is not set. For a throw-away local PostgreSQL: node scripts/pg-dev.mjs');
  process.exit(2);
}
const isolation = (process.env.PACIOLI_ISOLATION ?? 'serializable') as Isolation;
if (!['serializable', 'repeatable read', 'read committed'].includes(isolation)) {
  console.error(`PACIOLI_ISOLATION must be serializable, repeatable read or read committed, not ${isolation}`);
  process.exit(2);
}
const sql = connect(url, { max: Number(process.env.PACIOLI_DB_POOL ?? 10) });
const applied = await migrate(sql);
const app = await buildApp({
  sql,
  isolation,
  notify: process.env.PACIOLI_NOTIFY !== 'off',
  logger: true,
  corsOrigins: corsFromEnv(process.env.PACIOLI_CORS_ORIGINS),
  ...(process.env.PACIOLI_CREATE_TOKEN ? { createToken: process.env.PACIOLI_CREATE_TOKEN } : {}),
});
app.log.info(`schema migrated (${applied} applied now); isolation ${isolation}`);
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 8787) });
const stop = async () => {
  await app.close();
  await sql.end({ timeout: 5 });
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
