import { expect, it } from 'vitest';
import { checkTabSupport } from '../src/worker/tabs/channel';

it('refuses to run without Web Locks or BroadcastChannel, naming what is missing', () => {
  // Node has BroadcastChannel but no navigator.locks: a real environment lacking one of the two.
  expect(typeof BroadcastChannel).toBe('function');
  expect((globalThis.navigator as Navigator | undefined)?.locks).toBeUndefined();
  expect(() => checkTabSupport()).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringContaining('the Web Locks API') }));
  const saved = globalThis.BroadcastChannel;
  try {
    // @ts-expect-error: simulating an old browser without BroadcastChannel
    delete globalThis.BroadcastChannel;
    expect(() => checkTabSupport()).toThrow(expect.objectContaining({ message: expect.stringContaining('the Web Locks API and BroadcastChannel') }));
  } finally {
    globalThis.BroadcastChannel = saved;
  }
});
