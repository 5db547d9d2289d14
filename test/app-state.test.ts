import { describe, expect, it } from 'vitest';
import { parseRoute } from '../src/app/state';

describe('app routes', () => {
  it('reads views and a player history from the hash, and falls back to the player list', () => {
    expect(parseRoute('#/send')).toEqual({ view: 'send' });
    expect(parseRoute('#/players/a%2Fb%20c')).toEqual({ view: 'players', player: 'a/b c' });
    expect(parseRoute('#/craps/extra')).toEqual({ view: 'craps' });
    expect(parseRoute('')).toEqual({ view: 'players' });
    expect(parseRoute('#/nope')).toEqual({ view: 'players' });
    expect(parseRoute('#/sync?server=http%3A%2F%2Fh&invite=a.b')).toEqual({ view: 'sync' });
    expect(parseRoute('#/players/a%3Fb')).toEqual({ view: 'players', player: 'a?b' });
  });
});
