/**
 * Write forwarding: a tab that does not hold the write lock hands a write
 * to the tab that does. Its caller still hears "done" only once the write
 * is durable and seen by its own tab; its calls keep their order; and a
 * write handed to a tab that dies before answering commits exactly once.
 */
import type { Page } from '@playwright/test';
import { expect, gotoHarness, test } from './fixtures';
import { injectIntoWorkers, reportHeard, switchWorkers } from './worker-faults';

/**
 * In the writer's worker: `drop-outcomes` drops its announcements of commits
 * that hold handed-over writes (and its direct answers), `deaf` drops the
 * writes handed to it. Either way the sender hears nothing until the writer
 * is gone. Each dropped message is reported on `e2e-faults` as `{ handed: true }`
 * (`handedOrSettled`).
 */
function forwardingFaults(): void {
  let mode = 'normal';
  const control = new BroadcastChannel('e2e-faults');
  control.onmessage = (event: MessageEvent<{ forwarding?: string; ackId?: string }>) => {
    if (!event.data?.forwarding) return;
    mode = event.data.forwarding;
    control.postMessage({ ack: event.data.ackId });
  };
  const Native = self.BroadcastChannel;
  self.BroadcastChannel = class extends Native {
    override postMessage(message: unknown): void {
      const m = message as { type?: string; outcomes?: unknown; list?: { outcomes?: unknown }[] } | null;
      // A batch's commits go in one 'commits' message: one holding a forwarded write is dropped whole, as a tab that died before posting it.
      const outcomes = m?.outcomes || (m?.type === 'commits' && m.list?.some((note) => note.outcomes));
      if (mode === 'drop-outcomes' && (outcomes || ['done', 'failed', 'declined'].includes(String(m?.type)))) return void control.postMessage({ handed: true });
      super.postMessage(message);
    }
    override set onmessage(fn: ((this: BroadcastChannel, event: MessageEvent) => unknown) | null) {
      super.onmessage =
        fn &&
        ((event: MessageEvent) => {
          if (mode !== 'deaf' || (event.data as { type?: string })?.type !== 'forward') return fn.call(this, event);
          control.postMessage({ handed: true });
          return undefined;
        });
    }
    override get onmessage(): ((this: BroadcastChannel, event: MessageEvent) => unknown) | null {
      return super.onmessage;
    }
  };
}

/** A second tab whose store worker reports what it hears (`whileWriting` waits on that). */
async function senderTab(page: Page): Promise<Page> {
  const sender = await page.context().newPage();
  await injectIntoWorkers(sender, reportHeard, undefined);
  await gotoHarness(sender);
  return sender;
}

async function open(page: Page, name: string): Promise<void> {
  await page.evaluate(async (name) => {
    window.stores[name] = await window.pacioli.openStore({ name });
  }, name);
}

/**
 * Tab `writer` keeps writing (so it holds the lock and announces commit
 * after commit) until `stopWriting`; tab `sender` runs `sql` once its
 * worker has heard a few of those commits (the sender's page must have been
 * opened by `senderTab`).
 */
async function whileWriting(writer: Page, sender: Page, name: string, sql: string, kind: 'sql' | 'ledger' = 'sql'): Promise<void> {
  await writer.evaluate(
    ({ name, kind }) => {
      window.writing = true;
      window.writerLoop = (async () => {
        while (window.writing) {
          if (kind === 'ledger') await window.ledger!.setBalance('carol', BigInt(Math.floor(Math.random() * 100)));
          else await window.stores[name]!.run('INSERT INTO t(x) VALUES (?)', [`writer ${Math.random()}`]);
        }
      })();
    },
    { name, kind },
  );
  await sender.evaluate(
    ({ name, sql, kind }) =>
      new Promise<void>((started, failed) => {
        // What the sender's worker heard (its prelude, `reportHeard`), not its page: the two hear apart.
        const channel = new BroadcastChannel('e2e-faults');
        const timer = setTimeout(() => (channel.close(), failed(new Error("the sender's worker heard no 3 commits of the writer in 10 s"))), 10_000);
        let heard = 0;
        channel.onmessage = (event: MessageEvent<{ heard?: number }>) => {
          if (event.data?.heard === undefined || ++heard < 3) return;
          clearTimeout(timer);
          channel.close();
          const call = kind === 'ledger' ? window.ledger!.transfer('alice', 'bob', 30n).then(() => ({ changes: 1, lastInsertRowid: 0 })) : window.stores[name]!.run(sql);
          window.result = call.then(
            (value) => ({ ok: true, value: { changes: value.changes, rowid: Number(value.lastInsertRowid) } }),
            (error: { code?: string; message?: string }) => ({ ok: false, code: error.code, message: error.message }),
          );
          started();
        };
      }),
    { name, sql, kind },
  );
}

const stopWriting = (writer: Page) =>
  writer.evaluate(async () => {
    window.writing = false;
    await window.writerLoop;
  });

declare global {
  interface Window {
    handedOver?: number;
    writing?: boolean;
    writerLoop?: Promise<void>;
    result?: Promise<{ ok: boolean; value?: { changes: number; rowid: number }; code?: string; message?: string }>;
  }
}

const rows = (p: Page, name: string, x: string) => p.evaluate(async ({ name, x }) => Number((await window.stores[name]!.query<{ n: number }>('SELECT count(*) AS n FROM t WHERE x = ?', [x]))[0]!.n), { name, x });
const stats = (p: Page, name: string) => p.evaluate((name) => window.stores[name]!.stats(), name);
/** Counts, in `writer`'s page, the handed-over writes its worker's `forwardingFaults` dropped. */
const countHandedOver = (writer: Page) =>
  writer.evaluate(() => {
    window.handedOver = 0;
    new BroadcastChannel('e2e-faults').onmessage = (event: MessageEvent<{ handed?: boolean }>) => void (event.data?.handed && window.handedOver!++);
  });

/**
 * Whether the sender's write was handed to the faulty writer (it dropped something of it), or settled
 * without that: a sender that judges the writer's last commit too old (under load, past forwarding.ts's
 * FRESH_MS) takes the lock itself, as it should, and then the write is not what the test is about.
 */
async function handedOrSettled(writer: Page, sender: Page, before: number): Promise<'handed' | 'settled'> {
  let how: 'handed' | 'settled' | undefined;
  const look = async () => {
    if ((await writer.evaluate(() => window.handedOver!)) > before) how = 'handed';
    else if (await settledWithin(sender, 0)) how = 'settled';
    return how;
  };
  await expect.poll(look, { timeout: 10_000 }).toBeDefined();
  return how!;
}

const settledWithin = (p: Page, ms: number) => p.evaluate((ms) => Promise.race([window.result!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]), ms);

test('a write made while another tab holds the lock is run by that tab, and its caller sees it at once', async ({ harness }) => {
  const other = await senderTab(harness);
  for (const p of [harness, other]) await open(p, 'fw');
  await harness.evaluate(() => window.stores.fw!.run('CREATE TABLE t(id INTEGER PRIMARY KEY, x TEXT UNIQUE)'));
  await whileWriting(harness, other, 'fw', `INSERT INTO t(x) VALUES ('sent')`);
  const result = await other.evaluate(() => window.result!);
  await stopWriting(harness);
  expect(result.ok).toBe(true);
  expect(await rows(other, 'fw', 'sent')).toBe(1); // seen by its own tab as soon as the caller heard "done"
  expect((await stats(other, 'fw')).forwardedWrites).toBe(1);
  expect((await stats(harness, 'fw')).servedWrites).toBe(1);
  const rowid = await harness.evaluate(async () => Number((await window.stores.fw!.query<{ id: number }>(`SELECT id FROM t WHERE x = 'sent'`))[0]!.id));
  expect(result.value).toEqual({ changes: 1, rowid });
  // A failure of the write itself comes back as it would have here, and nothing is written.
  await whileWriting(harness, other, 'fw', `INSERT INTO t(x) VALUES ('sent')`);
  const failed = await other.evaluate(() => window.result!);
  await stopWriting(harness);
  expect(failed).toMatchObject({ ok: false, code: 'CONSTRAINT' });
  expect((await stats(other, 'fw')).forwardedWrites).toBe(2);
  expect(await rows(harness, 'fw', 'sent')).toBe(1);
});

test('calls of a tab keep their order across writes it hands over', async ({ harness }) => {
  const other = await senderTab(harness);
  for (const p of [harness, other]) await open(p, 'order');
  await harness.evaluate(() => window.stores.order!.run('CREATE TABLE t(id INTEGER PRIMARY KEY, x TEXT)'));
  await whileWriting(harness, other, 'order', `INSERT INTO t(x) VALUES ('first')`);
  const seen = await other.evaluate(async () => {
    const store = window.stores.order!;
    // Made while the first is still out, not awaited one by one: each call must still see every call made before it.
    const writes = ['a', 'b', 'c'].map((x) => store.run('INSERT INTO t(x) VALUES (?)', [x]));
    const read = store.query<{ x: string }>(`SELECT x FROM t WHERE x IN ('first','a','b','c') ORDER BY id`);
    await Promise.all([window.result, ...writes]);
    return (await read).map((r) => r.x).join(' ');
  });
  await stopWriting(harness);
  expect(seen).toBe('first a b c');
  expect((await stats(other, 'order')).forwardedWrites).toBeGreaterThanOrEqual(1);
});

for (const fault of ['drop-outcomes', 'deaf'] as const) {
  const what = fault === 'deaf' ? 'before running it' : 'after committing it, before answering';
  test(`a write handed to a tab that dies ${what} commits exactly once`, async ({ browser }) => {
    const context = await browser.newContext();
    try {
      const writer = await context.newPage();
      await injectIntoWorkers(writer, forwardingFaults, undefined);
      await gotoHarness(writer);
      const sender = await senderTab(writer);
      for (const p of [writer, sender]) await open(p, 'dies');
      await writer.evaluate(() => window.stores.dies!.run('CREATE TABLE t(id INTEGER PRIMARY KEY, x TEXT)'));
      await switchWorkers(writer, { forwarding: fault });
      await countHandedOver(writer);
      let attempt = 1;
      let x = '';
      for (; ; attempt++) {
        x = `once ${attempt}`;
        const before = await writer.evaluate(() => window.handedOver!);
        await whileWriting(writer, sender, 'dies', `INSERT INTO t(x) VALUES ('${x}')`);
        if ((await handedOrSettled(writer, sender, before)) === 'handed') break;
        // Run by the sender itself: it too must have committed exactly once, and nothing of it reached the writer.
        await stopWriting(writer);
        expect(await sender.evaluate(() => window.result!)).toMatchObject({ ok: true });
        expect(await rows(sender, 'dies', x)).toBe(1);
        expect(await writer.evaluate(() => window.handedOver!)).toBe(before);
        expect(attempt, 'the sender never handed its write to the writer').toBeLessThan(5);
        // The sender holds the lock now, and the writer's next writes would be handed to it: a transaction
        // always takes the lock itself, so the writer holds it again before it writes on.
        await writer.evaluate(() => window.stores.dies!.transaction(async () => undefined));
      }
      if (fault === 'drop-outcomes') await expect.poll(() => rows(writer, 'dies', x)).toBe(1);
      await stopWriting(writer);
      // The writer lives and says nothing: the sender waits (it took no lock of its own: the write is out of its hands).
      expect(await settledWithin(sender, 500)).toBe(false);
      await writer.close();
      const result = await sender.evaluate(() => window.result!);
      expect(result.ok).toBe(true);
      expect(await rows(sender, 'dies', x)).toBe(1);
      const rowid = await sender.evaluate(async (x) => Number((await window.stores.dies!.query<{ id: number }>(`SELECT id FROM t WHERE x = ?`, [x]))[0]!.id), x);
      expect(result.value).toEqual({ changes: 1, rowid });
      // And after a reload, from what is durable.
      const fresh = await context.newPage();
      await gotoHarness(fresh);
      await open(fresh, 'dies');
      expect(await rows(fresh, 'dies', x)).toBe(1);
      for (let earlier = 1; earlier < attempt; earlier++) expect(await rows(fresh, 'dies', `once ${earlier}`)).toBe(1);
    } finally {
      await context.close();
    }
  });
}

test('a ledger transfer handed over returns its receipt, and a backup taken after it restores', async ({ harness }) => {
  const other = await senderTab(harness);
  for (const p of [harness, other]) {
    await p.evaluate(async () => {
      window.ledger = await window.pacioli.openLedger({ name: 'fwledger' });
    });
  }
  await harness.evaluate(async () => {
    await window.ledger!.createPlayer('alice', 100n);
    await window.ledger!.createPlayer('bob', 0n);
    await window.ledger!.createPlayer('carol', 0n);
  });
  await whileWriting(harness, other, 'fwledger', '', 'ledger');
  const result = await other.evaluate(() => window.result!);
  await stopWriting(harness);
  expect(result.ok).toBe(true);
  const after = await other.evaluate(async () => ({ bob: String(await window.ledger!.getBalance('bob')), handed: (await window.ledger!.store.stats()).forwardedWrites }));
  expect(after).toEqual({ bob: '30', handed: 1 });
  // The store now holds the record of handed-over writes beside the ledger's tables: its backups still restore.
  const restored = await harness.evaluate(async () => {
    const store = window.ledger!.store;
    await store.restoreBackup(await store.exportBackup());
    return String(await window.ledger!.getBalance('bob'));
  });
  expect(restored).toBe('30');
});
