/** Types of scripts/pg-dev.mjs. */
export function postgresBinDir(): string;
export function startPostgres(options?: { port?: number; quiet?: boolean }): Promise<{ url: string; port: number; dir: string; stop: () => void }>;
