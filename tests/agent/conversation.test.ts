import { describe, expect, it } from 'vitest';
import { mergeConversation, pairToolCalls } from '../../src/agent/conversation.js';
import type { ChatMessage } from '../../src/messages.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string | null, ids: string[] = []): ChatMessage =>
  ids.length > 0
    ? { role: 'assistant', content, toolCalls: ids.map((id) => ({ id, name: 'f', arguments: '{}' })) }
    : { role: 'assistant', content };
const tool = (toolCallId: string, content = 'r'): ChatMessage => ({ role: 'tool', toolCallId, content });

describe('mergeConversation', () => {
  it('takes everything as new when nothing is stored', () => {
    const incoming = [user('a'), assistant('b'), user('c')];
    expect(mergeConversation([], incoming)).toEqual({ context: incoming, fresh: incoming });
  });

  it('counts only the tail of a resent transcript as new', () => {
    const stored = [user('a'), assistant('b')];
    const { context, fresh } = mergeConversation(stored, [user('a'), assistant('b'), user('c')]);
    expect(fresh).toEqual([user('c')]);
    expect(context).toEqual([user('a'), assistant('b'), user('c')]);
  });

  it('puts a newest-only message after the stored history', () => {
    const stored = [user('a'), assistant('b')];
    const { context, fresh } = mergeConversation(stored, [user('c')]);
    expect(fresh).toEqual([user('c')]);
    expect(context).toEqual([user('a'), assistant('b'), user('c')]);
  });

  it('treats a transcript that starts differently as all new', () => {
    const stored = [user('a'), assistant('b')];
    const incoming = [user('A'), assistant('b'), user('c')];
    expect(mergeConversation(stored, incoming).fresh).toEqual(incoming);
  });

  it('matches client tool ids: a different call id is a different transcript', () => {
    const names = new Set(['f']);
    const stored = [user('a'), assistant(null, ['c1']), tool('c1')];
    expect(mergeConversation(stored, [user('a'), assistant(null, ['c1']), tool('c1'), user('n')], names).fresh).toEqual(
      [user('n')],
    );
    const other = [user('a'), assistant(null, ['c2']), tool('c2'), user('n')];
    expect(mergeConversation(stored, other, names).fresh).toEqual(other);
  });

  it('takes stored calls to tools the client does not declare as server-side', () => {
    const stored = [user('a'), assistant(null, ['s1']), tool('s1'), assistant('done')];
    expect(mergeConversation(stored, [user('a'), assistant('done'), user('n')]).fresh).toEqual([user('n')]);
    // Declared by the client, the same call is one it should have resent.
    expect(mergeConversation(stored, [user('a'), assistant('done'), user('n')], new Set(['f'])).fresh).toHaveLength(3);
  });

  it('skips server-side tool steps the client never saw and joins the split answer', () => {
    const stored = [user('q'), assistant('Let me look.', ['srv']), tool('srv'), assistant('Found.')];
    const { fresh, context } = mergeConversation(stored, [
      user('q'),
      assistant('Let me look.\n\nFound.'),
      user('next'),
    ]);
    expect(fresh).toEqual([user('next')]);
    expect(context).toEqual([...stored, user('next')]);
  });

  it('counts a client tool result that follows the stored call as new', () => {
    const stored = [user('q'), assistant(null, ['cl'])];
    const { fresh } = mergeConversation(stored, [user('q'), assistant(null, ['cl']), tool('cl', 'answer')]);
    expect(fresh).toEqual([tool('cl', 'answer')]);
  });
});

describe('pairToolCalls', () => {
  it('returns the same array when every call has its result', () => {
    const messages = [user('q'), assistant(null, ['a']), tool('a')];
    expect(pairToolCalls(messages)).toBe(messages);
  });

  it('drops calls without results and results without calls', () => {
    expect(pairToolCalls([user('q'), assistant('text', ['a', 'b']), tool('a'), tool('zzz'), user('n')])).toEqual([
      user('q'),
      assistant('text', ['a']),
      tool('a'),
      user('n'),
    ]);
    expect(pairToolCalls([user('q'), assistant(null, ['x']), user('n')])).toEqual([user('q'), user('n')]);
    expect(pairToolCalls([user('q'), assistant('kept', ['x']), user('n')])).toEqual([
      user('q'),
      assistant('kept'),
      user('n'),
    ]);
  });
});
