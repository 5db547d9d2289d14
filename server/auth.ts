/**
 * Credentials. A device token and an invite are 256-bit random secrets shown
 * once; the database keeps only their SHA-256, which is also how they are
 * looked up (an attacker cannot aim a guess at a hash, so the lookup leaks
 * nothing by its timing). A slow password hash would add nothing to a
 * secret with 256 bits of entropy.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../src/sync/protocol';
import type { Sql } from './db';

/** A fresh secret: 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a secret. */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** A device, as authenticated from its bearer token. */
export interface Device {
  id: string;
  ledgerId: string;
  role: Role;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/;

/** The secret of an `Authorization: Bearer <secret>` header, or undefined when absent or not of our shape. */
export function bearer(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** The device holding this token, or undefined. */
export async function deviceFor(sql: Sql, token: string): Promise<Device | undefined> {
  const [row] = await sql<{ id: string; ledger_id: string; role: Role }[]>`
    SELECT id, ledger_id, role FROM device WHERE token_hash = ${hashSecret(token)}`;
  return row && { id: row.id, ledgerId: row.ledger_id, role: row.role };
}
