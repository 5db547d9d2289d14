/**
 * What a killed browser left on disk of a store's OPFS log, read by Node
 * from the profile directory before the relaunch: every file whose bytes
 * open with a sound log record (src/worker/opfs/records.ts). Browsers keep
 * OPFS files under names of their own (Chromium: `File System/…/t/00/<n>`,
 * with the names in a LevelDB beside them), so the files are found by
 * their content.
 *
 * When a kill round finds an acknowledged commit missing, this says whether
 * its record was on disk at the moment of the kill (so the browser lost it
 * afterwards, or the store failed to read it) or never got there.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HEADER, parse } from '../../src/worker/opfs/records';

/** Files larger than this are not log segments of a kill run (skipped unread). */
const MAX_BYTES = 16 << 20;

/** One line per file that holds log records: where, how long, which commits, and the last workload key in it. */
export function scanLogFiles(profile: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // gone, or not a directory we may read
    }
    for (const name of names) {
      const path = join(dir, name);
      let size: number;
      try {
        const st = statSync(path);
        if (st.isDirectory()) {
          walk(path);
          continue;
        }
        size = st.size;
      } catch {
        continue;
      }
      if (size < HEADER || size > MAX_BYTES) continue;
      const line = describeFile(readFileSync(path), relative(profile, path));
      if (line) out.push(line);
    }
  };
  walk(profile);
  return out.sort();
}

function describeFile(buf: Buffer, name: string): string | undefined {
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const first = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(8, true);
  if (!Number.isSafeInteger(first) || first < 1) return undefined;
  const parsed = parse(bytes, 0, first);
  if (parsed.entries.length === 0) return undefined; // not a log segment (its first record is not sound)
  const last = parsed.entries.at(-1)!;
  const keys = Buffer.from(last.bytes).toString('latin1').match(/r\d+-\d+/g);
  const rest = bytes.length - parsed.end;
  return `${name}: ${bytes.length} B, commits ${first}–${last.seq}${rest ? `, then ${rest} B ${parsed.damaged ? 'damaged' : 'torn'}` : ''}, last key ${keys?.at(-1) ?? 'none'}`;
}
