import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import type { RunEvent, RunResult } from '../../agent/events.js';
import { ZERO_USAGE } from '../../messages.js';
import { toClientTools } from './clientTools.js';
import { createResponseEventAdapter } from './eventAdapter.js';
import { responseShell } from './responseObject.js';

type Body = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'seq' | 'ts' | 'sessionKey'>
    : never
  : never;

const result = (over: Partial<RunResult> = {}): RunResult => ({
  runId: 'r',
  sessionKey: 'k',
  agentId: 'main',
  text: '',
  toolCalls: [],
  usage: { promptTokens: 5, completionTokens: 2, cachedTokens: 0, totalTokens: 7 },
  providerMs: 0,
  stopReason: 'stop',
  startedAt: 0,
  endedAt: 1,
  ...over,
});

/** Runs the events through the adapter and the openai SDK's own accumulator, which throws on a wrong order. */
function replay(bodies: Body[], tools = toClientTools([], undefined)) {
  const adapter = createResponseEventAdapter(responseShell('resp_1', 1, { input: 'x' }), tools);
  const wire = [
    ...adapter.start(),
    ...bodies.flatMap((b, i) => adapter.onEvent({ ...b, runId: 'r', seq: i, ts: 0, sessionKey: 'k' } as RunEvent)),
  ];
  let snapshot: Response | undefined;
  const events = wire.map((e, i) => ({ ...e, sequence_number: i }) as ResponseStreamEvent);
  for (const event of events) snapshot = accumulateResponse(event, snapshot);
  return { events, snapshot: snapshot!, adapter };
}

describe('Responses event adapter', () => {
  it('closes text before a function call, and the final response equals the accumulated one', () => {
    const tools = toClientTools(
      [{ type: 'namespace', name: 'crm', tools: [{ type: 'function', name: 'find' }] }],
      undefined,
    );
    const { events, snapshot, adapter } = replay(
      [
        { type: 'assistant.delta', delta: 'Let me look. ' },
        { type: 'tool.start', index: 0, callId: 'call_1', name: 'crm__find', client: true },
        { type: 'tool.args', index: 0, callId: 'call_1', delta: '{"q":' },
        { type: 'tool.args', index: 0, callId: 'call_1', delta: '1}' },
        { type: 'lifecycle.end', result: result({ stopReason: 'tool_calls' }) },
      ],
      tools,
    );
    expect(events.at(-1)!.type).toBe('response.completed');
    expect(snapshot.output).toEqual(adapter.response.output);
    expect(snapshot.output).toMatchObject([
      { type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'Let me look. ' }] },
      {
        type: 'function_call',
        call_id: 'call_1',
        name: 'find',
        namespace: 'crm',
        arguments: '{"q":1}',
        status: 'completed',
      },
    ]);
    expect(adapter.outputMessages().map((m) => m.message)).toEqual([
      { role: 'assistant', content: 'Let me look. ' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'crm__find', arguments: '{"q":1}' }] },
    ]);
  });

  it('leaves server-side tool calls out and splits long deltas under the frame cap', () => {
    const long = 'x'.repeat(10_000);
    const { events, snapshot } = replay([
      { type: 'tool.start', index: 0, callId: 'c', name: 'read_file', client: false },
      { type: 'assistant.delta', delta: long },
      { type: 'lifecycle.end', result: result() },
    ]);
    expect(snapshot.output).toHaveLength(1);
    expect(events.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(3);
    expect(snapshot.output_text).toBe(long);
  });

  it('answers a length stop with response.incomplete and a failure with response.failed only', () => {
    const incomplete = replay([
      { type: 'assistant.delta', delta: 'cut' },
      { type: 'lifecycle.end', result: result({ stopReason: 'length' }) },
    ]);
    expect(incomplete.snapshot).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
    });
    const failed = replay([
      { type: 'assistant.delta', delta: 'half' },
      {
        type: 'lifecycle.error',
        error: { code: 'provider', message: 'upstream cut', afterFirstToken: true, retryable: false },
        result: result({ stopReason: 'error', usage: ZERO_USAGE }),
      },
    ]);
    expect(failed.events.at(-1)!.type).toBe('response.failed');
    expect(failed.snapshot).toMatchObject({
      status: 'failed',
      error: { code: 'server_error', message: 'upstream cut' },
      output: [{ type: 'message', status: 'incomplete', content: [{ text: 'half' }] }],
    });
  });
});
