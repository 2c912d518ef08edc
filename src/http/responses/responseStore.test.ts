import { describe, expect, it } from 'vitest';
import { ResponseStore, type StoredResponse } from './responseStore.js';
import type { WireResponse } from './responseObject.js';

const stored = (id: string, itemId = `msg_${id}`): StoredResponse => ({
  response: { id } as WireResponse,
  agentId: 'main',
  sessionKey: `agent:main:openresponses:${id}`,
  stateless: true,
  history: [],
  items: [{ id: itemId, message: { role: 'assistant', content: id } }],
  approxBytes: 100,
});

describe('ResponseStore', () => {
  it('drops the oldest past maxCount, with its items', () => {
    const store = new ResponseStore({ maxCount: 2, maxBytes: 1e9, ttlMs: 60_000 });
    for (const id of ['a', 'b', 'c']) store.put(stored(id));
    expect(store.size).toBe(2);
    expect(store.get('a')).toBeUndefined();
    expect(store.item('msg_a')).toBeUndefined();
    expect(store.get('c')?.sessionKey).toBe('agent:main:openresponses:c');
    expect(store.item('msg_c')).toEqual({ role: 'assistant', content: 'c' });
  });

  it('drops the oldest past maxBytes', () => {
    const store = new ResponseStore({ maxCount: 100, maxBytes: 250, ttlMs: 60_000 });
    for (const id of ['a', 'b', 'c']) store.put(stored(id));
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')).toBeDefined();
    expect(store.size).toBe(2);
  });

  it('forgets a response once its time is up', () => {
    let now = 1_000;
    const store = new ResponseStore({ maxCount: 10, maxBytes: 1e9, ttlMs: 500, now: () => now });
    store.put(stored('a'));
    now += 499;
    expect(store.get('a')).toBeDefined();
    now += 1;
    expect(store.get('a')).toBeUndefined();
    // Expired entries also leave when a later one is stored.
    store.put(stored('b'));
    now += 600;
    store.put(stored('c'));
    expect(store.size).toBe(1);
    expect(store.item('msg_b')).toBeUndefined();
  });

  it('deletes on request', () => {
    const store = new ResponseStore({ maxCount: 10, maxBytes: 1e9, ttlMs: 60_000 });
    store.put(stored('a'));
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.item('msg_a')).toBeUndefined();
  });
});
