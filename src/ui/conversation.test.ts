import { describe, expect, it } from 'vitest';
import { Conversation, itemsFromHistory } from './conversation.js';
import { retryDelayMs } from './gatewayClient.js';

const KEY = 'agent:main:main';
const chat = (runId: string, state: 'delta' | 'final' | 'aborted' | 'error', text?: string, extra = {}) => ({
  runId,
  sessionKey: KEY,
  seq: 1,
  state,
  ...(text !== undefined
    ? { message: { role: 'assistant' as const, content: [{ type: 'text' as const, text }], timestamp: 0 } }
    : {}),
  ...extra,
});

describe('itemsFromHistory', () => {
  it('folds a tool-using turn (calls, results, answer) into one assistant item with steps', () => {
    const items = itemsFromHistory([
      { role: 'user', content: [{ type: 'text', text: 'time?' }] },
      { role: 'assistant', content: [{ type: 'toolCall', id: 'c1', name: 'current_time', arguments: '{}' }] },
      { role: 'toolResult', toolCallId: 'c1', toolName: 'current_time', content: [{ type: 'text', text: '09:41' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 09:41.' }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks' }] },
    ]);
    expect(items.map((i) => i.kind)).toEqual(['user', 'assistant', 'user']);
    expect(items[1]).toMatchObject({
      text: 'It is 09:41.',
      phase: 'done',
      steps: [{ id: 'c1', name: 'current_time', args: '{}', result: '09:41' }],
    });
  });
});

describe('Conversation', () => {
  it('streams a run by its cumulative text and ends it on final', () => {
    const c = new Conversation(KEY);
    c.addUser('hi', 'r1');
    expect(c.streaming).toBe(true);
    c.applyChat(chat('r1', 'delta', 'Hel'));
    c.applyChat(chat('r1', 'delta', 'Hello'));
    expect(c.items.at(-1)).toMatchObject({ kind: 'assistant', text: 'Hello', phase: 'streaming' });
    c.applyChat(chat('r1', 'final', 'Hello there'));
    expect(c.items.at(-1)).toMatchObject({ text: 'Hello there', phase: 'done' });
    expect(c.streaming).toBe(false);
  });

  it('ignores other sessions, marks an abort as stopped and puts run errors in the conversation', () => {
    const c = new Conversation(KEY);
    expect(c.applyChat({ ...chat('x', 'delta', 'no'), sessionKey: 'agent:main:other' })).toBe(false);
    c.addUser('one', 'r1');
    c.applyChat(chat('r1', 'aborted', 'partial'));
    expect(c.items.at(-1)).toMatchObject({ text: 'partial', phase: 'stopped' });
    c.addUser('two', 'r2');
    c.applyChat(chat('r2', 'error', undefined, { errorMessage: 'provider down' }));
    expect(c.items.map((i) => i.kind)).toEqual(['user', 'assistant', 'user', 'error']);
    expect(c.items.at(-1)).toMatchObject({ message: 'provider down' });
  });

  it('collects tool steps from agent events', () => {
    const c = new Conversation(KEY);
    c.addUser('time?', 'r1');
    const tool = (data: Record<string, unknown>) =>
      c.applyAgent({ runId: 'r1', sessionKey: KEY, seq: 1, ts: 0, stream: 'tool', data });
    tool({ phase: 'start', toolCallId: 'c1', name: 'current_time' });
    tool({ phase: 'update', toolCallId: 'c1', argsDelta: '{"tz":' });
    tool({ phase: 'update', toolCallId: 'c1', argsDelta: '"UTC"}' });
    tool({ phase: 'result', toolCallId: 'c1', name: 'current_time', result: 'now', isError: false });
    expect(c.items.at(-1)).toMatchObject({ steps: [{ name: 'current_time', args: '{"tz":"UTC"}', result: 'now' }] });
  });
});

describe('retryDelayMs', () => {
  it('doubles from 0.5 s up to 15 s, within ±20%', () => {
    expect(retryDelayMs(1, () => 0.5)).toBe(500);
    expect(retryDelayMs(3, () => 0.5)).toBe(2000);
    expect(retryDelayMs(20, () => 0.5)).toBe(15_000);
    expect(retryDelayMs(1, () => 0)).toBe(400);
    expect(retryDelayMs(1, () => 1)).toBe(600);
  });
});
