/** Types of scripts/pg-dev.mjs. */
export function postgresBinDir(): string;
export function startPostgres(options?: { port?: number; quiet?: boolean }): Promise<{
  url: string;
  port: number;
  dir: string;
  stop: () => void;
  /** Stops PostgreSQL at once (`pg_ctl stop -m immediate`), keeping its data. */
  crash: () => void;
  /** Starts it again on the same data directory and port. */
  restart: () => void;
}>;
