/**
 * The escape-hatch options (`worker`, `wasmUrl`) are checked on the page
 * before any worker starts, and the live-query hook keys its subscription
 * by the params' values.
 */
import { describe, expect, it } from 'vitest';
import { checkLoadOptions } from '../src/client/options';
import { paramsKey } from '../src/hooks/live-query';
import { StoreError } from '../src/shared/errors';

describe('checkLoadOptions', () => {
  it('passes an absolute wasm URL on as a string, and no URL as undefined', () => {
    expect(checkLoadOptions({})).toBeUndefined();
    expect(checkLoadOptions({ wasmUrl: new URL('https://example.test/static/sqlite.wasm') })).toBe('https://example.test/static/sqlite.wasm');
    expect(checkLoadOptions({ worker: '/w.js', wasmUrl: 'https://example.test/a.wasm' })).toBe('https://example.test/a.wasm');
    expect(checkLoadOptions({ worker: () => ({}) as Worker })).toBeUndefined();
  });

  it('refuses a worker or a wasm URL of the wrong kind with INVALID_ARGUMENT', () => {
    for (const options of [{ worker: 42 }, { worker: {} }, { wasmUrl: 7 }, { wasmUrl: null }]) {
      const thrown = (() => {
        try {
          checkLoadOptions(options as never);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(thrown, JSON.stringify(options)).toBeInstanceOf(StoreError);
      expect((thrown as StoreError).code).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('paramsKey', () => {
  it('is equal for equal values, bigints and blobs included, and differs otherwise', () => {
    expect(paramsKey([1n, new Uint8Array([1, 2]), 'a'])).toBe(paramsKey([1n, new Uint8Array([1, 2]), 'a']));
    expect(paramsKey({ id: 2n ** 62n })).toBe(paramsKey({ id: 2n ** 62n }));
    expect(paramsKey([1n])).not.toBe(paramsKey([1]));
    expect(paramsKey([1n])).not.toBe(paramsKey(['1n']));
    expect(paramsKey([1n])).not.toBe(paramsKey(['1']));
    expect(paramsKey([new Uint8Array([1])])).not.toBe(paramsKey([[1]]));
    expect(paramsKey(undefined)).toBe(paramsKey(undefined));
    expect(paramsKey([1])).not.toBe(paramsKey([2]));
  });
});
