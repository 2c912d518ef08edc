import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/sessions/memoryStore.js';
import { sessionStoreContract, turn, usage } from './storeContract.js';

sessionStoreContract('memory', (now) => new MemorySessionStore({ now }));

describe('MemorySessionStore bound', () => {
  it('drops the least recently updated session past maxSessions', async () => {
    let clock = 0;
    const store = new MemorySessionStore({ maxSessions: 3, now: () => ++clock });
    for (const key of ['a', 'b', 'c']) await store.appendTurn(key, 'main', turn(1), usage(1, 1));
    // 'a' is the oldest by creation but updated last, so 'b' goes first.
    await store.appendTurn('a', 'main', turn(2), usage(1, 1));
    await store.appendTurn('d', 'main', turn(1), usage(1, 1));
    expect(store.size).toBe(3);
    expect(await store.load('b')).toBeNull();
    expect((await store.list()).map((r) => r.key)).toEqual(['d', 'a', 'c']);

    await store.reset('c');
    await store.appendTurn('e', 'main', turn(1), usage(1, 1));
    expect((await store.list()).map((r) => r.key)).toEqual(['e', 'c', 'd']);
    expect(await store.load('a')).toBeNull();
  });

  it('defaults to 10,000 sessions and refuses a nonsense bound', () => {
    expect(new MemorySessionStore().maxSessions).toBe(10_000);
    expect(() => new MemorySessionStore({ maxSessions: 0 })).toThrow(RangeError);
  });

  it('stays Web-standard: no node: imports', () => {
    const source = readFileSync(new URL('../../src/sessions/memoryStore.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/from ['"]node:/);
  });
});
