/**
 * Tables the store keeps inside the database for itself, beside the app's.
 * They travel with the data on every path (log, snapshot, backup); checks
 * that compare a schema with the one the app's migrations make leave them
 * out.
 */

/** Handed-over writes that committed, by id, with their results (core/outcomes.ts). */
export const OUTCOMES_TABLE = 'pacioli_outcomes';
