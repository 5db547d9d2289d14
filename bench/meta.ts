/**
 * The contenders' names, labels, and what each promises when it says
 * "done" (pure data: the page, the runner and the report all read it).
 * Goals compare Pacioli (strict) only with contenders whose "done" means
 * the change reached the disk (fsync); the rest are shown beside them.
 */
export const CONTENDERS = [
  'pacioli-strict',
  'pacioli-relaxed',
  'pacioli-opfs',
  'dexie-strict',
  'dexie-relaxed',
  'wa-batch-strict',
  'wa-batch-relaxed',
  'wa-mirror',
  'wa-opfs',
  'sqlite-wasm-opfs',
  'pglite-idb',
  'sqljs-naive',
  'sqljs-memory',
] as const;
export type ContenderName = (typeof CONTENDERS)[number];

export type PromiseKind = 'fsync-opfs' | 'fsync-idb' | 'idb-relaxed' | 'idb-default' | 'memory';

export const PROMISES: Record<PromiseKind, { short: string; text: string; onDisk: boolean }> = {
  'fsync-opfs': { short: 'fsync (OPFS)', text: 'on disk: OPFS file flushed (FileSystemSyncAccessHandle.flush(), an fsync)', onDisk: true },
  'fsync-idb': { short: 'fsync (IDB strict)', text: "on disk: IndexedDB transaction with durability 'strict' (flushed before complete)", onDisk: true },
  'idb-relaxed': { short: 'IDB relaxed', text: "IndexedDB 'relaxed': committed to the browser, written, not flushed: an OS crash or power loss may lose it", onDisk: false },
  'idb-default': { short: 'IDB default', text: "IndexedDB with the browser's default durability (strict not asked for)", onDisk: false },
  memory: { short: 'memory only', text: 'memory only: nothing survives a reload', onDisk: false },
};

export const META: Record<ContenderName, { label: string; promise: PromiseKind }> = {
  'pacioli-strict': { label: 'Pacioli (strict)', promise: 'fsync-idb' },
  'pacioli-relaxed': { label: 'Pacioli (relaxed)', promise: 'idb-relaxed' },
  'pacioli-opfs': { label: 'Pacioli (strict, OPFS log)', promise: 'fsync-opfs' },
  'dexie-strict': { label: 'Dexie (strict)', promise: 'fsync-idb' },
  'dexie-relaxed': { label: 'Dexie (relaxed)', promise: 'idb-relaxed' },
  'wa-batch-strict': { label: 'wa-sqlite IDBBatchAtomicVFS (full)', promise: 'fsync-idb' },
  'wa-batch-relaxed': { label: 'wa-sqlite IDBBatchAtomicVFS (normal)', promise: 'idb-relaxed' },
  'wa-mirror': { label: 'wa-sqlite IDBMirrorVFS (full)', promise: 'idb-default' },
  'wa-opfs': { label: 'wa-sqlite OPFSCoopSyncVFS (full)', promise: 'fsync-opfs' },
  'sqlite-wasm-opfs': { label: 'SQLite WASM opfs-sahpool (FULL)', promise: 'fsync-opfs' },
  'pglite-idb': { label: 'PGlite idb://', promise: 'idb-default' },
  'sqljs-naive': { label: 'sql.js naive (export per commit)', promise: 'idb-default' },
  'sqljs-memory': { label: 'sql.js in memory (no persistence)', promise: 'memory' },
};

/** Pacioli's durable configurations: its log in IndexedDB (the default) or in OPFS (`log: 'opfs'`). */
export const PACIOLI_DURABLE: readonly ContenderName[] = ['pacioli-strict', 'pacioli-opfs'];

/** Contenders Pacioli (strict) must match or beat: the same promise, the change on disk when done. */
export const SAME_PROMISE_PEERS = CONTENDERS.filter((c) => !PACIOLI_DURABLE.includes(c) && PROMISES[META[c].promise].onDisk);

/** Where a cold page opened outside Playwright posts its figure (cold.ts, serve.ts, unattached.ts). */
export const COLD_REPORT_PATH = '/__bench/cold-report';
