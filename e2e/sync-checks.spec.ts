/**
 * The sync protocol's op checks (zod, about 100 KB) are a module of their
 * own that the store's worker loads only for a shared ledger. Loaded at
 * every open, they landed on the worker's thread as the page's first calls
 * came, and a ledger that never syncs paid for them on every cold open.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './ledger-driver';

/** The protocol's module: the dev server serves it as itself, a production build as its own chunk. */
const isProtocol = (url: string): boolean => {
  const { pathname } = new URL(url);
  return pathname.endsWith('/src/sync/protocol.ts') || /\/assets\/protocol-[^/]*\.js$/.test(pathname);
};

/** Runs raw SQL on ledger `name`'s store. */
function run(page: Page, name: string, sql: string): Promise<unknown> {
  return page.evaluate(async ({ name, sql }) => void (await window.ledgers[name]!.store.run(sql)), { name, sql });
}

test('a ledger that is not shared never loads the protocol, across writes and a reload', async ({ ledgers, context }) => {
  const loaded: string[] = [];
  context.on('request', (request) => {
    if (isProtocol(request.url())) loaded.push(request.url());
  });
  await ledgers.open('local');
  await ledgers.call('local', 'createPlayer', 'a', 100n);
  await ledgers.call('local', 'createPlayer', 'b', 0n);
  await ledgers.call('local', 'transfer', 'a', 'b', 10n);
  await ledgers.reload();
  await ledgers.open('local');
  await ledgers.call('local', 'transfer', 'a', 'b', 5n);
  expect(await ledgers.balances('local', ['a', 'b'])).toEqual([85n, 15n]);
  expect(loaded).toEqual([]);
});

test('a shared ledger loads the protocol when it opens, and checks and queues its writes after a reload', async ({ ledgers, context }) => {
  await ledgers.open('shared');
  // Shared as a join would leave it (no server is needed to queue writes); before any player, as a join requires.
  await run(
    ledgers.page,
    'shared',
    `INSERT INTO sync_state (id, server_url, ledger_id, device_id, device_token, role) VALUES (1, 'http://127.0.0.1:9', 'l1', 'd1', 't1', 'owner')`,
  );
  await ledgers.reload();
  const loaded: string[] = [];
  context.on('request', (request) => {
    if (isProtocol(request.url())) loaded.push(request.url());
  });
  await ledgers.open('shared');
  await expect.poll(() => loaded.length).toBe(1); // at the open, before any write asks for it
  await ledgers.call('shared', 'createPlayer', 'a', 100n);
  await ledgers.call('shared', 'createPlayer', 'b', 0n);
  // Checked against the protocol: a key it refuses (a local ledger takes any of 1-256 characters) changes nothing.
  const refused = await ledgers.fail('shared', 'transfer', 'a', 'b', 5n, { idempotencyKey: 'not a valid key!' });
  expect(refused.code).toBe('INVALID_ARGUMENT');
  await ledgers.call('shared', 'transfer', 'a', 'b', 5n, { idempotencyKey: 'valid-key' });
  const queued = await ledgers.query('shared', `SELECT json_extract(op, '$.type') AS type FROM sync_outbox ORDER BY device_seq`);
  expect(queued).toEqual([{ type: 'createPlayer' }, { type: 'createPlayer' }, { type: 'transfer' }]);
  expect(await ledgers.balances('shared', ['a', 'b'])).toEqual([95n, 5n]);
});
