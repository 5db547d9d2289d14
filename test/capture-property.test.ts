import fc from 'fast-check';
import { expect, it } from 'vitest';
import { Engine } from '../src/worker/sql/engine';
import { dump, inTx, loadSql } from './helpers';

const SCHEMA = `
  CREATE TABLE parent(id INTEGER PRIMARY KEY, tag TEXT UNIQUE, n ANY) STRICT;
  CREATE TABLE child(id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent(id) ON DELETE CASCADE ON UPDATE CASCADE, v BLOB);
  CREATE TABLE audit(id INTEGER PRIMARY KEY, what TEXT);
  CREATE TRIGGER parent_audit AFTER UPDATE OF n ON parent BEGIN INSERT INTO audit(what) VALUES ('n of ' || NEW.id); END;
`;

const id = fc.integer({ min: 1, max: 12 });
const tag = fc.constantFrom('a', 'b', 'c', 'd', null);
const value = fc.oneof(
  fc.integer().map((n) => ({ sql: '?', params: [n] })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ sql: '?', params: [n] })),
  fc.double({ noNaN: true }).map((n) => ({ sql: '?', params: [n] })),
  fc.string().map((s) => ({ sql: '?', params: [s] })),
  fc.constant({ sql: 'random()', params: [] }),
  fc.constant({ sql: 'randomblob(4)', params: [] }),
  fc.constant({ sql: "strftime('%f','now')", params: [] }),
  fc.constant({ sql: 'NULL', params: [] }),
);

type Op = { sql: string; params: readonly unknown[] };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(id, tag, value).map(([i, t, v]) => ({ sql: `INSERT INTO parent VALUES (?, ?, ${v.sql})`, params: [i, t, ...v.params] })),
  fc.tuple(id, value).map(([i, v]) => ({ sql: `UPDATE parent SET n = ${v.sql} WHERE id = ?`, params: [...v.params, i] })),
  fc.tuple(id, tag).map(([i, t]) => ({ sql: 'UPDATE parent SET tag = ? WHERE id = ?', params: [t, i] })),
  fc.tuple(id, id).map(([from, to]) => ({ sql: 'UPDATE parent SET id = ? WHERE id = ?', params: [to, from] })),
  id.map((i) => ({ sql: 'DELETE FROM parent WHERE id = ?', params: [i] })),
  id.map((i) => ({ sql: 'INSERT INTO child(parent, v) VALUES (?, randomblob(3))', params: [i] })),
  id.map((i) => ({ sql: 'DELETE FROM child WHERE parent = ?', params: [i] })),
  fc.constant({ sql: 'UPDATE child SET v = randomblob(2) WHERE id % 2 = 0', params: [] }),
);
const transaction = fc.record({ ops: fc.array(op, { minLength: 1, maxLength: 6 }), rollback: fc.boolean() });

it('replaying every captured transaction in order rebuilds the live database exactly', async () => {
  const sql = await loadSql();
  await fc.assert(
    fc.asyncProperty(fc.array(transaction, { minLength: 1, maxLength: 12 }), async (txs) => {
      const live = new Engine(sql);
      inTx(live, 0, (e) => e.run(SCHEMA));
      const mirror = new Engine(sql, live.export());
      let seq = 0;
      for (const tx of txs) {
        live.begin();
        for (const o of tx.ops) {
          try {
            live.run(o.sql, o.params);
          } catch (error) {
            expect((error as { code?: string }).code).toBe('CONSTRAINT'); // unique or foreign key clashes only
          }
        }
        if (tx.rollback) {
          live.rollback();
          continue;
        }
        const pending = live.pending(seq + 1);
        live.commit();
        expect(pending.kind).not.toBe('snapshot');
        if (pending.kind === 'log') mirror.replay([{ seq: ++seq, bytes: pending.entry }]);
        expect(dump(mirror)).toEqual(dump(live));
      }
      expect(mirror.query('PRAGMA foreign_key_check')).toEqual([]);
      live.close();
      mirror.close();
    }),
    { numRuns: Number(process.env.FC_RUNS ?? 150) },
  );
});
