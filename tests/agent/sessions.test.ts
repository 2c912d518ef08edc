import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { drain, input, startHarness, type Harness } from './runtimeHarness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ agents: [{ id: 'main', systemPrompt: 'sys' }] });
});
afterAll(() => h.close());
afterEach(() => {
  h.openai.requests.length = 0;
});

/** What the model was sent, system prompt left out, as `role: text` lines. */
function sent(n: number): string[] {
  return h.openai.requests[n]!.body.messages.filter((m: any) => m.role !== 'system').map(
    (m: any) => `${m.role}: ${m.content ?? ''}`,
  );
}

describe('stateless runs', () => {
  it('never touch the store, tool loop included', async () => {
    h.store.calls.length = 0;
    h.openai.script({ toolCalls: [{ name: 'current_time', arguments: '{}' }] }, { text: 'done' });
    const { result } = await drain(
      h.runtime.start(input({ stateless: true, sessionKey: 'agent:main:openai:fresh-1' })),
    );
    expect(result.stopReason).toBe('stop');
    await drain(h.runtime.start(input({ stateless: true, sessionKey: 'agent:main:openai:fresh-2' })));
    expect(h.store.calls).toEqual([]);
    expect(await h.store.list()).toEqual([]);
  });
});

describe('keyed sessions and the client transcript', () => {
  const key = 'agent:main:openai-user:alice';

  it('stores one turn per run, and merges a resent transcript so it is kept once', async () => {
    h.store.calls.length = 0;
    const first = await drain(h.runtime.start(input({ sessionKey: key, text: 'q1' })));
    expect(first.result.text).toBe('echo: q1');
    expect(h.store.calls).toEqual([`load ${key}`, `appendTurn ${key}`]);
    expect((await h.store.load(key))!.messages).toEqual([
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'echo: q1' },
    ]);

    // A client like Open WebUI resends everything, with its own spacing.
    await drain(
      h.runtime.start(
        input({
          sessionKey: key,
          messages: [
            { role: 'user', content: [{ type: 'text', text: ' q1 ' }] },
            { role: 'assistant', content: 'echo:  q1\n' },
            { role: 'user', content: 'q2' },
          ],
        }),
      ),
    );
    expect(sent(1)).toEqual(['user: q1', 'assistant: echo: q1', 'user: q2']);
    expect((await h.store.load(key))!.messages.map((m) => m.content)).toEqual(['q1', 'echo: q1', 'q2', 'echo: q2']);
    expect((await h.store.load(key))!.session.messageCount).toBe(4);
  });

  it('gives a client that sends only its newest message the stored transcript as history', async () => {
    await drain(h.runtime.start(input({ sessionKey: key, text: 'q3' })));
    expect(sent(0)).toEqual(['user: q1', 'assistant: echo: q1', 'user: q2', 'assistant: echo: q2', 'user: q3']);
    expect((await h.store.load(key))!.messages).toHaveLength(6);
  });

  it('treats a transcript that differs from the stored one as new messages after the history', async () => {
    const k = 'agent:main:diverge';
    await drain(h.runtime.start(input({ sessionKey: k, text: 'hello' })));
    await drain(
      h.runtime.start(
        input({
          sessionKey: k,
          messages: [
            { role: 'user', content: 'hello (edited)' },
            { role: 'assistant', content: 'echo: hello' },
            { role: 'user', content: 'next' },
          ],
        }),
      ),
    );
    expect(sent(1)).toEqual([
      'user: hello',
      'assistant: echo: hello',
      'user: hello (edited)',
      'assistant: echo: hello',
      'user: next',
    ]);
  });

  it('recognises a resent transcript whose answer came out of a server-side tool loop', async () => {
    const k = 'agent:main:tooled';
    h.openai.script(
      { text: 'Checking.', toolCalls: [{ id: 'call_srv', name: 'current_time', arguments: '{}' }] },
      { text: 'It is now.' },
    );
    const { result } = await drain(h.runtime.start(input({ sessionKey: k, text: 'time?' })));
    expect(result.text).toBe('Checking.\n\nIt is now.');
    // The client saw one assistant message and never the tool step.
    await drain(
      h.runtime.start(
        input({
          sessionKey: k,
          messages: [
            { role: 'user', content: 'time?' },
            { role: 'assistant', content: result.text },
            { role: 'user', content: 'thanks' },
          ],
        }),
      ),
    );
    const stored = (await h.store.load(k))!.messages;
    expect(stored.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
    expect(sent(2).slice(-2)).toEqual(['assistant: It is now.', 'user: thanks']);
  });

  it('continues a client tool call: the client sends the tool result, the model sees call and result once', async () => {
    const k = 'agent:main:clienttool';
    const lookup = { name: 'lookup' };
    h.openai.script({ toolCalls: [{ id: 'call_cl', name: 'lookup', arguments: '{"q":"x"}' }] }, { text: 'found it' });
    const first = await drain(h.runtime.start(input({ sessionKey: k, text: 'look x up', clientTools: [lookup] })));
    expect(first.result.stopReason).toBe('tool_calls');
    const second = await drain(
      h.runtime.start(
        input({
          sessionKey: k,
          clientTools: [lookup],
          messages: [
            { role: 'user', content: 'look x up' },
            { role: 'assistant', content: null, toolCalls: first.result.toolCalls },
            { role: 'tool', toolCallId: 'call_cl', content: 'x = 42' },
          ],
        }),
      ),
    );
    expect(second.result.text).toBe('found it');
    const messages = h.openai.requests[1]!.body.messages.filter((m: any) => m.role !== 'system');
    expect(messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(messages[2]).toMatchObject({ tool_call_id: 'call_cl', content: 'x = 42' });
    expect((await h.store.load(k))!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('leaves out a stored client tool call the client never answered, so the provider accepts the history', async () => {
    const k = 'agent:main:unanswered';
    h.openai.script({ toolCalls: [{ id: 'call_x', name: 'lookup', arguments: '{}' }] });
    await drain(h.runtime.start(input({ sessionKey: k, text: 'go', clientTools: [{ name: 'lookup' }] })));
    await drain(h.runtime.start(input({ sessionKey: k, text: 'never mind' })));
    const messages = h.openai.requests[1]!.body.messages.filter((m: any) => m.role !== 'system');
    expect(messages).toEqual([
      { role: 'user', content: 'go' },
      { role: 'user', content: 'never mind' },
    ]);
  });
});
