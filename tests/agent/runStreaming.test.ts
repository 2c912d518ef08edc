import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunFailure, type RunEvent } from '../../src/agent/events.js';
import { deltas, drain, input, KEY, startHarness, type Harness } from './runtimeHarness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    agents: [
      { id: 'main', models: ['oai/gpt-test'], systemPrompt: 'You are the test agent.' },
      { id: 'claude', models: ['anth/claude-test'] },
      { id: 'fallback', models: ['oai/gpt-primary', 'backup/gpt-backup'] },
      { id: 'skipping', models: ['nowhere/model', 'backup/gpt-backup'] },
      { id: 'nomodel', models: ['nowhere/model'] },
    ],
  });
});
afterAll(() => h.close());
afterEach(() => {
  h.openai.requests.length = 0;
  h.backup.requests.length = 0;
  h.anthropic.requests.length = 0;
});

function expectWellFormed(events: RunEvent[], runId: string): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  for (const e of events) {
    expect(e.runId).toBe(runId);
    expect(e.sessionKey).toBe(KEY);
    expect(typeof e.ts).toBe('number');
  }
  for (let i = 1; i < events.length; i++) expect(events[i]!.ts).toBeGreaterThanOrEqual(events[i - 1]!.ts);
  expect(events[0]!.type).toBe('lifecycle.start');
  expect(['lifecycle.end', 'lifecycle.error']).toContain(events.at(-1)!.type);
  expect(events.filter((e) => e.type.startsWith('lifecycle.')).length).toBe(2);
}

describe('a streamed text run', () => {
  it('emits start, deltas in order, usage, end, with seq from 1 and the stream text as result', async () => {
    h.openai.script({
      text: 'Hello from the fake model',
      usage: { promptTokens: 11, completionTokens: 5, cachedTokens: 3 },
    });
    const seen: RunEvent[] = [];
    const unsubscribe = h.runtime.subscribe((e) => seen.push(e));
    const handle = h.runtime.start(input({ stateless: true, runId: 'run-text-1', extraSystemPrompt: 'Be brief.' }));
    expect(handle.runId).toBe('run-text-1');
    const { events, result } = await drain(handle);
    unsubscribe();

    expectWellFormed(events, 'run-text-1');
    expect(events.map((e) => e.type)).toEqual([
      'lifecycle.start',
      ...Array(5).fill('assistant.delta'),
      'usage',
      'lifecycle.end',
    ]);
    expect(deltas(events)).toBe('Hello from the fake model');
    expect(seen).toEqual(events);
    const end = events.at(-1)!;
    expect(end.type === 'lifecycle.end' && end.result).toEqual(result);
    expect(result).toMatchObject({
      runId: 'run-text-1',
      agentId: 'main',
      model: 'oai/gpt-test',
      text: 'Hello from the fake model',
      toolCalls: [],
      stopReason: 'stop',
      usage: { promptTokens: 11, completionTokens: 5, cachedTokens: 3, totalTokens: 16 },
    });
    expect(result.error).toBeUndefined();
    expect(events.find((e) => e.type === 'usage')).toMatchObject({ usage: result.usage });

    expect(h.openai.requests).toHaveLength(1);
    const body = h.openai.requests[0]!.body;
    expect(body.model).toBe('gpt-test');
    expect(body.stream).toBe(true);
    // The client's system text follows the agent's own, never replacing it.
    expect(body.messages).toEqual([
      { role: 'system', content: 'You are the test agent.\n\nBe brief.' },
      { role: 'user', content: 'hello there' },
    ]);
  });

  it('speaks the Anthropic protocol for an anthropic-messages agent', async () => {
    h.anthropic.script({ text: 'Bonjour from Claude', usage: { promptTokens: 7, completionTokens: 3 } });
    const { events, result } = await drain(h.runtime.start(input({ agentId: 'claude', stateless: true })));
    expect(deltas(events)).toBe('Bonjour from Claude');
    expect(result).toMatchObject({ model: 'anth/claude-test', stopReason: 'stop', usage: { completionTokens: 3 } });
    expect(h.anthropic.requests).toHaveLength(1);
    expect(h.anthropic.requests[0]!.body.model).toBe('claude-test');
    expect(h.openai.requests).toHaveLength(0);
  });
});

describe('provider selection and fallback', () => {
  it('retries a 500 with backoff, then falls back to the next model', async () => {
    h.openai.script({ kind: 'error', status: 500 }, { kind: 'error', status: 502 }, { kind: 'error', status: 503 });
    h.backup.script({ text: 'backup answers' });
    const { events, result } = await drain(h.runtime.start(input({ agentId: 'fallback', stateless: true })));
    // One try and two retries (the default) on the primary, then the fallback.
    expect(h.openai.requests.map((r) => r.body.model)).toEqual(['gpt-primary', 'gpt-primary', 'gpt-primary']);
    expect(h.backup.requests.map((r) => r.body.model)).toEqual(['gpt-backup']);
    expect(deltas(events)).toBe('backup answers');
    expect(result).toMatchObject({ model: 'backup/gpt-backup', stopReason: 'stop' });
  });

  it('retries a 429 on the same model when the retry succeeds', async () => {
    h.openai.script({ kind: 'error', status: 429, retryAfterSeconds: 0 }, { text: 'second try works' });
    const { result } = await drain(h.runtime.start(input({ agentId: 'fallback', stateless: true })));
    expect(h.openai.requests).toHaveLength(2);
    expect(h.backup.requests).toHaveLength(0);
    expect(result).toMatchObject({ model: 'oai/gpt-primary', text: 'second try works' });
  });

  it('moves to the fallback at once on a non-retryable client error', async () => {
    h.openai.script({ kind: 'error', status: 400, message: 'bad request' });
    h.backup.script({ text: 'fine' });
    const { result } = await drain(h.runtime.start(input({ agentId: 'fallback', stateless: true })));
    expect(h.openai.requests).toHaveLength(1);
    expect(h.backup.requests).toHaveLength(1);
    expect(result.text).toBe('fine');
  });

  it('skips a model ref that resolves to no provider, with a warning', async () => {
    h.backup.script({ text: 'from backup' });
    const { result } = await drain(h.runtime.start(input({ agentId: 'skipping', stateless: true })));
    expect(result).toMatchObject({ model: 'backup/gpt-backup', text: 'from backup' });
    expect(h.logs.some((l) => l.level === 'warn' && l.fields?.model === 'nowhere/model')).toBe(true);
  });

  it('fails with a provider error when every model fails, and stores nothing', async () => {
    h.openai.script(...Array(3).fill({ kind: 'error', status: 500 }));
    h.backup.script(...Array(3).fill({ kind: 'error', status: 500 }));
    const before = h.store.calls.filter((c) => c.startsWith('appendTurn')).length;
    const { events, result } = await drain(
      h.runtime.start(input({ agentId: 'fallback', sessionKey: 'agent:fallback:x' })),
    );
    expect(h.openai.requests).toHaveLength(3);
    expect(h.backup.requests).toHaveLength(3);
    const last = events.at(-1)!;
    expect(last.type).toBe('lifecycle.error');
    expect(result.stopReason).toBe('error');
    expect(result.error).toMatchObject({ code: 'provider', status: 500, afterFirstToken: false, retryable: true });
    expect(result.error!.message).toContain('oai/gpt-primary');
    expect(result.error!.message).toContain('backup/gpt-backup');
    expect(h.store.calls.filter((c) => c.startsWith('appendTurn')).length).toBe(before);
  });

  it('fails with a provider error when no model of the agent resolves', async () => {
    const { result } = await drain(h.runtime.start(input({ agentId: 'nomodel', stateless: true })));
    expect(result.error).toMatchObject({ code: 'provider', afterFirstToken: false, retryable: false });
  });

  it('never retries or falls back once the model has streamed a token', async () => {
    // Role chunk and two tokens, then the connection is cut.
    h.openai.script({ text: 'one two three four five', delayMs: 20, cutAfterChunks: 3 });
    h.backup.script({ text: 'must not be used' });
    const { events, result } = await drain(
      h.runtime.start(input({ agentId: 'fallback', sessionKey: 'agent:fallback:cut' })),
    );
    expect(deltas(events)).toBe('one two');
    expect(h.openai.requests).toHaveLength(1);
    expect(h.backup.requests).toHaveLength(0);
    expect(events.at(-1)).toMatchObject({
      type: 'lifecycle.error',
      error: { code: 'provider', afterFirstToken: true },
    });
    expect(result).toMatchObject({
      stopReason: 'error',
      text: 'one two',
      error: { code: 'provider', afterFirstToken: true, retryable: false },
    });
    expect(h.store.calls).not.toContain('appendTurn agent:fallback:cut');
  });
});

describe('admission errors are thrown at once', () => {
  function failure(fn: () => unknown): RunFailure {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(RunFailure);
      return err as RunFailure;
    }
    throw new Error('expected a RunFailure');
  }

  it('rejects an unknown agent, empty messages, a clashing or duplicate client tool, an unknown tool_choice', () => {
    expect(failure(() => h.runtime.start(input({ agentId: 'ghost' }))).error).toMatchObject({ code: 'unknown_agent' });
    expect(failure(() => h.runtime.start(input({ messages: [] }))).error).toMatchObject({
      code: 'invalid_request',
      param: 'messages',
    });
    expect(failure(() => h.runtime.start(input({ clientTools: [{ name: 'current_time' }] }))).error).toMatchObject({
      code: 'invalid_request',
      param: 'tools',
    });
    expect(
      failure(() => h.runtime.start(input({ clientTools: [{ name: 'lookup' }, { name: 'lookup' }] }))).error,
    ).toMatchObject({ code: 'invalid_request', param: 'tools' });
    expect(failure(() => h.runtime.start(input({ toolChoice: { name: 'nothing' } }))).error).toMatchObject({
      code: 'invalid_request',
      param: 'tool_choice',
    });
    expect(h.openai.requests).toHaveLength(0);
    expect([...h.runtime.activeRuns()]).toEqual([]);
  });
});
