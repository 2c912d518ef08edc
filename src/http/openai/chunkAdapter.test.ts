import { describe, expect, it } from 'vitest';
import type { RunError, RunEvent, RunResult } from '../../agent/events.js';
import { createChunkAdapter, splitDelta } from './chunkAdapter.js';

const base = { runId: 'r', sessionKey: 'k', ts: 0 };
let seq = 0;
const ev = (e: Record<string, unknown>) => ({ ...base, seq: ++seq, ...e }) as RunEvent;
const result = (over: Partial<RunResult> = {}): RunResult => ({
  runId: 'r',
  sessionKey: 'k',
  agentId: 'main',
  text: '',
  toolCalls: [],
  usage: { promptTokens: 5, completionTokens: 2, cachedTokens: 1, totalTokens: 7 },
  providerMs: 0,
  stopReason: 'stop',
  startedAt: 0,
  endedAt: 1,
  ...over,
});
const adapter = (includeUsage = false) =>
  createChunkAdapter({ id: 'chatcmpl-1', created: 42, model: 'openclaw', includeUsage });
const parse = (frames: string[]) => frames.map((f) => JSON.parse(f));

describe('chunk adapter', () => {
  it('starts with the role chunk and shares id, created and model', () => {
    expect(JSON.parse(adapter().start())).toEqual({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 42,
      model: 'openclaw',
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
  });

  it('turns text deltas into content chunks and escapes them', () => {
    const [chunk] = parse(adapter().onEvent(ev({ type: 'assistant.delta', delta: 'he said "hi"\n' })));
    expect(chunk.choices).toEqual([{ index: 0, delta: { content: 'he said "hi"\n' }, finish_reason: null }]);
    expect(adapter().onEvent(ev({ type: 'assistant.delta', delta: '' }))).toEqual([]);
  });

  it('ends with one finish chunk, then usage only when asked', () => {
    const a = adapter(true);
    const out = parse(a.onEvent(ev({ type: 'lifecycle.end', result: result({ stopReason: 'length' }) })));
    expect(out[0].choices).toEqual([{ index: 0, delta: {}, finish_reason: 'length' }]);
    expect(out[1]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7, prompt_tokens_details: { cached_tokens: 1 } },
    });
    expect(a.finished).toBe(true);
    expect(a.onEvent(ev({ type: 'assistant.delta', delta: 'late' }))).toEqual([]);
    expect(parse(adapter(false).onEvent(ev({ type: 'lifecycle.end', result: result() })))).toHaveLength(1);
  });

  it('maps an aborted or errored stop to an error frame without choices', () => {
    const [frame] = parse(
      adapter().onEvent(
        ev({
          type: 'lifecycle.error',
          error: { code: 'provider', message: 'boom', afterFirstToken: true, retryable: false },
          result: result({ stopReason: 'error' }),
        }),
      ),
    );
    expect(frame).toEqual({ error: { message: 'boom', type: 'api_error', param: null, code: 'upstream_error' } });
    const failed = (error: RunError) =>
      parse(adapter().onEvent(ev({ type: 'lifecycle.error', error, result: result({ stopReason: 'error' }) })))[0];
    expect(failed({ code: 'timeout', message: 'too slow' })).toEqual({
      error: { message: 'too slow', type: 'server_error', param: null, code: 'agent_timeout' },
    });
    expect(failed({ code: 'aborted', message: 'gone' })).toEqual({
      error: { message: 'gone', type: 'server_error', param: null, code: 'agent_run_failed' },
    });
    expect(failed({ code: 'internal', message: 'internal error' })).toEqual({
      error: { message: 'internal error', type: 'server_error', param: null, code: 'agent_run_failed' },
    });
  });

  it('streams only client tool calls, indexed among themselves', () => {
    const a = adapter();
    expect(a.onEvent(ev({ type: 'tool.start', index: 0, callId: 'srv', name: 'current_time', client: false }))).toEqual(
      [],
    );
    expect(a.onEvent(ev({ type: 'tool.args', index: 0, callId: 'srv', delta: '{}' }))).toEqual([]);
    const [start] = parse(a.onEvent(ev({ type: 'tool.start', index: 1, callId: 'call_1', name: 'f', client: true })));
    expect(start.choices[0].delta.tool_calls).toEqual([
      { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
    ]);
    const [args] = parse(a.onEvent(ev({ type: 'tool.args', index: 1, callId: 'call_1', delta: '{"a":1}' })));
    expect(args.choices[0].delta.tool_calls).toEqual([{ index: 0, function: { arguments: '{"a":1}' } }]);
    const [fin] = parse(a.onEvent(ev({ type: 'lifecycle.end', result: result({ stopReason: 'tool_calls' }) })));
    expect(fin.choices[0].finish_reason).toBe('tool_calls');
  });

  it('ignores events that carry nothing for the client', () => {
    const a = adapter();
    for (const e of [
      { type: 'lifecycle.start', agentId: 'main', stateless: true },
      { type: 'usage', usage: result().usage },
      { type: 'tool.result', callId: 'x', name: 'y', result: 'z', isError: false },
    ]) {
      expect(a.onEvent(ev(e))).toEqual([]);
    }
  });
});

describe('splitDelta', () => {
  it('keeps short text whole and never splits a surrogate pair', () => {
    expect(splitDelta('abc', 2)).toEqual(['ab', 'c']);
    const pieces = splitDelta('a😀b', 2);
    expect(pieces.join('')).toBe('a😀b');
    for (const p of pieces) expect(p).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });
});
