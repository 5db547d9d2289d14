import { describe, expect, it } from 'vitest';
import { parseInvite } from '../src/client/sync';

describe('invite codes and links', () => {
  it('reads a code, and a link with the server and the code in its hash', () => {
    expect(parseInvite(' 0b6f-ledger.s3cr_et-x ')).toEqual({ ledgerId: '0b6f-ledger', invite: 's3cr_et-x' });
    const link = `https://app.example/#/sync?server=${encodeURIComponent('http://127.0.0.1:4310')}&invite=${encodeURIComponent('L1.secret')}`;
    expect(parseInvite(link)).toEqual({ ledgerId: 'L1', invite: 'secret', serverUrl: 'http://127.0.0.1:4310' });
  });

  it('refuses what is not a code', () => {
    for (const bad of ['', 'nodot', '.secret', 'ledger.']) expect(() => parseInvite(bad)).toThrow(/not an invite code/);
  });
});
