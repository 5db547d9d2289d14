/**
 * The folder layout is the architecture (ARCHITECTURE.md): each layer
 * imports only the layers below it. This reads every import in src/ and
 * fails on one that reaches up or sideways.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Which layers each layer may import (its own always). */
const ALLOWED: Record<string, string[]> = {
  shared: ['ledger:type', 'sync:type'],
  ledger: ['shared'],
  sync: ['shared', 'ledger'],
  // The page's sync engine (client/sync.ts) speaks the protocol: its types only, never zod at runtime.
  client: ['shared', 'ledger', 'sync:type'],
  index: ['client', 'shared', 'ledger', 'sync:type'],
  app: ['index'],
  // The framework bindings (pacioli/react, pacioli/preact) sit on the public API; hooks/ is their shared body.
  hooks: ['index'],
  react: ['hooks', 'index'],
  preact: ['hooks', 'index'],
  'worker/entry': ['worker/rpc', 'worker/features', 'worker/sql', 'shared', 'ledger'],
  'worker/rpc': ['worker/core', 'worker/features', 'worker/sql', 'shared', 'ledger', 'sync'],
  'worker/core': ['worker/features', 'worker/tabs', 'worker/sql', 'worker/idb', 'shared'],
  'worker/features': ['worker/sql', 'worker/idb', 'worker/opfs', 'shared'],
  'worker/tabs': ['shared'],
  'worker/sql': ['shared'],
  'worker/idb': ['worker/opfs', 'shared'],
  // The OPFS log (log: 'opfs') sits under idb/layout.ts, which decides where entries go; it checks records with the codec's CRC-32.
  'worker/opfs': ['worker/sql', 'shared'],
};

function layerOf(file: string): string {
  const rel = relative(SRC, file).replaceAll('\\', '/');
  if (rel === 'index.ts') return 'index';
  if (rel === 'worker/store.worker.ts') return 'worker/entry';
  const [top, sub] = rel.split('/');
  return top === 'worker' ? `worker/${sub}` : top!;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

it('every import in src/ goes to the same layer or one below it', () => {
  const wrong: string[] = [];
  for (const file of files(SRC)) {
    const from = layerOf(file);
    const allowed = ALLOWED[from];
    if (!allowed) {
      wrong.push(`${relative(SRC, file)}: no layer rule for ${from}`);
      continue;
    }
    for (const [, typeOnly, spec] of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'/gm)) {
      const to = layerOf(resolve(dirname(file), spec!));
      if (to === from || allowed.includes(to) || (typeOnly && allowed.includes(`${to}:type`))) continue;
      wrong.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
    }
  }
  expect(wrong).toEqual([]);
});
