import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, Usage } from '../../src/messages.js';
import type { SessionStore } from '../../src/sessions/store.js';

/** A store made fresh for each test, reading time from the given clock. */
export type StoreFactory = (now: () => number) => Promise<SessionStore> | SessionStore;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function usage(promptTokens: number, completionTokens: number, cachedTokens = 0): Usage {
  return { promptTokens, completionTokens, cachedTokens, totalTokens: promptTokens + completionTokens };
}

export function turn(n: number): ChatMessage[] {
  return [
    { role: 'user', content: `question ${n}` },
    { role: 'assistant', content: `answer ${n}` },
  ];
}

/** Every shape a ChatMessage can take, with awkward text. */
export const RICH_TURN: ChatMessage[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'what is in these? "quotes", \\backslash\\, tab\t, nul \u0000, emoji 🦞, 中文' },
      {
        type: 'image',
        mimeType: 'image/png',
        data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==',
      },
      { type: 'image_url', url: 'https://example.com/cat.jpg?size=large&x=1' },
    ],
  },
  {
    role: 'assistant',
    content: null,
    toolCalls: [
      { id: 'call_1', name: 'get_time', arguments: '{"tz":"Europe/Paris"}' },
      { id: 'call_2', name: 'read_file', arguments: '{"path":"AGENTS.md",  "lines": [1, 2]}' },
    ],
  },
  { role: 'tool', toolCallId: 'call_1', name: 'get_time', content: '2025-01-01T12:00:00+01:00' },
  { role: 'tool', toolCallId: 'call_2', content: '# Agents\n\nline two\r\n' },
  { role: 'assistant', content: 'Both are here.\n\nA lobster 🦞 and a cat.', toolCalls: [] },
];

export function sessionStoreContract(name: string, factory: StoreFactory): void {
  describe(`SessionStore contract: ${name}`, () => {
    let clock: number;
    let store: SessionStore;
    const tick = (ms = 1000) => (clock += ms);

    beforeEach(async () => {
      clock = 1_700_000_000_000;
      store = await factory(() => clock);
    });
    afterEach(async () => {
      await store.close();
    });

    it('answers unknown keys with null, false and an empty list', async () => {
      expect(await store.load('nope')).toBeNull();
      expect(await store.reset('nope')).toBe(false);
      expect(await store.delete('nope')).toBe(false);
      expect(await store.list()).toEqual([]);
    });

    it('creates the session on its first turn', async () => {
      const record = await store.appendTurn('agent:main:a', 'main', turn(1), usage(10, 4, 2));
      expect(record).toEqual({
        key: 'agent:main:a',
        agentId: 'main',
        sessionId: expect.stringMatching(UUID),
        createdAt: clock,
        updatedAt: clock,
        inputTokens: 10,
        outputTokens: 4,
        cachedTokens: 2,
        messageCount: 2,
      });
      expect(await store.load('agent:main:a')).toEqual({ session: record, messages: turn(1) });
    });

    it('keeps messages in order across turns and moves updatedAt, not createdAt', async () => {
      const first = await store.appendTurn('k', 'main', turn(1), usage(1, 1));
      tick();
      await store.appendTurn('k', 'main', turn(2), usage(1, 1));
      tick();
      const last = await store.appendTurn('k', 'main', turn(3), usage(1, 1));
      expect(last.sessionId).toBe(first.sessionId);
      expect(last.createdAt).toBe(first.createdAt);
      expect(last.updatedAt).toBe(first.createdAt + 2000);
      expect(last.messageCount).toBe(6);
      const loaded = await store.load('k');
      expect(loaded?.messages).toEqual([...turn(1), ...turn(2), ...turn(3)]);
      expect(loaded?.session).toEqual(last);
    });

    it('adds each turn usage to the counters', async () => {
      await store.appendTurn('k', 'main', turn(1), usage(100, 20, 50));
      await store.appendTurn('k', 'main', turn(2), usage(130, 7, 0));
      const record = await store.appendTurn('k', 'main', [], usage(1, 2, 1));
      expect(record).toMatchObject({ inputTokens: 231, outputTokens: 29, cachedTokens: 51, messageCount: 4 });
    });

    it('keeps each key in order when turns on many keys interleave', async () => {
      const keys = ['a', 'b', 'c', 'd'];
      await Promise.all(
        keys.map(async (key) => {
          for (let n = 0; n < 10; n++) await store.appendTurn(key, 'main', turn(n), usage(1, 1));
        }),
      );
      for (const key of keys) {
        const loaded = await store.load(key);
        expect(loaded?.messages).toEqual(Array.from({ length: 10 }, (_, n) => turn(n)).flat());
        expect(loaded?.session.messageCount).toBe(20);
      }
    });

    it('lists most recently updated first, filtered by agent and limited', async () => {
      await store.appendTurn('s1', 'main', turn(1), usage(1, 1));
      tick();
      await store.appendTurn('s2', 'ops', turn(1), usage(1, 1));
      tick();
      await store.appendTurn('s3', 'main', turn(1), usage(1, 1));
      tick();
      await store.appendTurn('s1', 'main', turn(2), usage(1, 1));

      const keys = (records: { key: string }[]) => records.map((r) => r.key);
      expect(keys(await store.list())).toEqual(['s1', 's3', 's2']);
      expect(keys(await store.list({ agentId: 'main' }))).toEqual(['s1', 's3']);
      expect(keys(await store.list({ agentId: 'ops' }))).toEqual(['s2']);
      expect(keys(await store.list({ agentId: 'nobody' }))).toEqual([]);
      expect(keys(await store.list({ limit: 2 }))).toEqual(['s1', 's3']);
      expect(keys(await store.list({ agentId: 'main', limit: 1 }))).toEqual(['s1']);
      expect(await store.list({ limit: 0 })).toEqual([]);
      expect(await store.list()).toContainEqual(await store.load('s2').then((s) => s?.session));
    });

    it('breaks ties in updatedAt by key', async () => {
      for (const key of ['b', 'c', 'a']) await store.appendTurn(key, 'main', turn(1), usage(1, 1));
      expect((await store.list()).map((r) => r.key)).toEqual(['a', 'b', 'c']);
    });

    it('reset starts a new sessionId with an empty transcript and zero counters', async () => {
      const before = await store.appendTurn('k', 'main', turn(1), usage(5, 5, 5));
      await store.appendTurn('other', 'main', turn(1), usage(1, 1));
      tick();
      expect(await store.reset('k')).toBe(true);

      const after = await store.load('k');
      expect(after).toEqual({
        session: {
          key: 'k',
          agentId: 'main',
          sessionId: expect.stringMatching(UUID),
          createdAt: clock,
          updatedAt: clock,
          inputTokens: 0,
          outputTokens: 0,
          cachedTokens: 0,
          messageCount: 0,
        },
        messages: [],
      });
      expect(after?.session.sessionId).not.toBe(before.sessionId);

      tick();
      const next = await store.appendTurn('k', 'main', turn(2), usage(1, 1));
      expect(next.sessionId).toBe(after?.session.sessionId);
      expect(next.messageCount).toBe(2);
      expect((await store.load('k'))?.messages).toEqual(turn(2));
      expect((await store.load('other'))?.messages).toEqual(turn(1));
    });

    it('delete removes the session and its transcript', async () => {
      const first = await store.appendTurn('k', 'main', turn(1), usage(1, 1));
      await store.appendTurn('other', 'main', turn(1), usage(1, 1));
      expect(await store.delete('k')).toBe(true);
      expect(await store.load('k')).toBeNull();
      expect((await store.list()).map((r) => r.key)).toEqual(['other']);
      expect(await store.delete('k')).toBe(false);
      expect(await store.reset('k')).toBe(false);

      const again = await store.appendTurn('k', 'main', turn(2), usage(1, 1));
      expect(again.sessionId).not.toBe(first.sessionId);
      expect(again).toMatchObject({ messageCount: 2, inputTokens: 1 });
      expect((await store.load('k'))?.messages).toEqual(turn(2));
    });

    it('round-trips every message shape exactly', async () => {
      await store.appendTurn('rich', 'main', RICH_TURN, usage(1, 1));
      const big: ChatMessage = {
        role: 'user',
        content: [{ type: 'image', mimeType: 'image/jpeg', data: 'A'.repeat(300_000) }],
      };
      await store.appendTurn('rich', 'main', [big], usage(1, 1));
      const loaded = await store.load('rich');
      expect(loaded?.messages).toStrictEqual([...structuredClone(RICH_TURN), big]);
      expect(loaded?.session.messageCount).toBe(RICH_TURN.length + 1);
    });

    it('hands out copies, never its own state', async () => {
      const messages = turn(1);
      const record = await store.appendTurn('k', 'main', messages, usage(1, 1));
      messages.push({ role: 'user', content: 'sneaked in' });
      (messages[0] as { content: string }).content = 'changed';
      record.messageCount = 99;
      const loaded = await store.load('k');
      loaded!.messages.length = 0;
      loaded!.session.inputTokens = 1234;
      expect(await store.load('k')).toEqual({ session: { ...record, messageCount: 2 }, messages: turn(1) });
    });
  });
}
