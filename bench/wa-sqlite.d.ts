/** The parts of @journeyapps/wa-sqlite's example VFSs the benchmark uses (their shipped typings predate `create`). */
declare module '@journeyapps/wa-sqlite/src/examples/IDBMirrorVFS.js' {
  export const IDBMirrorVFS: { create(name: string, module: unknown, options?: Record<string, unknown>): Promise<unknown> };
}
declare module '@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js' {
  export const OPFSCoopSyncVFS: { create(name: string, module: unknown): Promise<unknown> };
}
