import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/agent/events.js';
import type { WorkspaceFiles } from '../../src/agent/workspace.js';
import { nodeWorkspaceFiles } from '../../src/node/workspaceFiles.js';
import { deltas, drain, input, startHarness, type Harness } from './runtimeHarness.js';

let h: Harness;
let dir: string;
const reads: string[] = [];
const countingFiles: WorkspaceFiles = {
  readText(workspace, path, maxBytes) {
    reads.push(path);
    return nodeWorkspaceFiles.readText(workspace, path, maxBytes);
  },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-ws-'));
  await writeFile(join(dir, 'AGENTS.md'), '# Rules\nAnswer from the notes.\n');
  await writeFile(join(dir, 'SOUL.md'), 'You are calm.\n');
  await writeFile(join(dir, 'notes.txt'), 'The secret word is heliotrope.');
  h = await startHarness({
    agents: [{ id: 'main' }, { id: 'notools', tools: [] }, { id: 'ws', workspace: dir }],
    defaults: { maxToolSteps: 3 },
    workspace: countingFiles,
  });
});
afterAll(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  h.openai.requests.length = 0;
  h.openai.setDefault((body) => ({ text: `echo: ${JSON.stringify(body.messages.at(-1).content)}` }));
});

/** Answers with the content of the last tool message it was sent. */
const answerFromToolResult = (body: any) => ({
  text: `Tool said: ${body.messages.filter((m: any) => m.role === 'tool').at(-1)?.content}`,
});

const collapsed = (events: RunEvent[]) => events.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]);

describe('the tool loop', () => {
  it('runs current_time, feeds the result back, and the model answers from it', async () => {
    h.openai.script(
      {
        text: 'Let me check.',
        toolCalls: [{ id: 'call_t1', name: 'current_time', arguments: '{"timezone":"Asia/Kolkata"}' }],
      },
      answerFromToolResult,
    );
    const { events, result } = await drain(
      h.runtime.start(input({ sessionKey: 'agent:main:tools', text: 'what time is it?' })),
    );

    // Runs of the same type collapsed: text, the call streamed, its result, the answer.
    expect(collapsed(events)).toEqual([
      'lifecycle.start',
      'assistant.delta',
      'tool.start',
      'tool.args',
      'tool.result',
      'assistant.delta',
      'usage',
      'lifecycle.end',
    ]);
    expect(events.find((e) => e.type === 'tool.start')).toMatchObject({
      callId: 'call_t1',
      name: 'current_time',
      client: false,
    });
    const args = events.filter((e) => e.type === 'tool.args').map((e) => (e.type === 'tool.args' ? e.delta : ''));
    expect(args.length).toBeGreaterThan(1);
    expect(args.join('')).toBe('{"timezone":"Asia/Kolkata"}');
    const toolResult = events.find((e) => e.type === 'tool.result');
    expect(toolResult).toMatchObject({ callId: 'call_t1', name: 'current_time', isError: false });
    const iso = toolResult?.type === 'tool.result' ? toolResult.result : '';
    expect(iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+05:30 \(Asia\/Kolkata\)$/);
    // The local wall time and its offset name the present instant.
    expect(Math.abs(Date.parse(iso.split(' ')[0]!) - Date.now())).toBeLessThan(60_000);

    // The second request carries the call and its result, in the OpenAI wire shape.
    expect(h.openai.requests).toHaveLength(2);
    expect(h.openai.requests[0]!.body.tools.map((t: any) => t.function.name)).toEqual(['current_time']);
    const second = h.openai.requests[1]!.body.messages;
    expect(second.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          {
            id: 'call_t1',
            type: 'function',
            function: { name: 'current_time', arguments: '{"timezone":"Asia/Kolkata"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_t1', content: iso },
    ]);
    expect(result.text).toBe(`Let me check.\n\nTool said: ${iso}`);
    expect(deltas(events)).toBe(result.text);
    expect(result.stopReason).toBe('stop');
    expect(result.toolCalls).toEqual([]);
    // Usage is the sum of both model calls.
    expect(result.usage.completionTokens).toBeGreaterThan(4);

    const stored = await h.store.load('agent:main:tools');
    expect(stored!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(stored!.session.outputTokens).toBe(result.usage.completionTokens);
  });

  it('ends with tool_calls when the model calls a client tool, and runs nothing', async () => {
    h.openai.script({ toolCalls: [{ id: 'call_w', name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
    const weather = {
      name: 'get_weather',
      description: 'Weather',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    };
    const { events, result } = await drain(
      h.runtime.start(input({ sessionKey: 'agent:main:client', clientTools: [weather] })),
    );
    expect(h.openai.requests).toHaveLength(1);
    expect(h.openai.requests[0]!.body.tools.map((t: any) => t.function.name)).toEqual(['current_time', 'get_weather']);
    expect(events.find((e) => e.type === 'tool.start')).toMatchObject({ name: 'get_weather', client: true });
    expect(events.some((e) => e.type === 'tool.result')).toBe(false);
    expect(result).toMatchObject({
      stopReason: 'tool_calls',
      toolCalls: [{ id: 'call_w', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
    });
    expect(events.at(-1)!.type).toBe('lifecycle.end');
    const stored = await h.store.load('agent:main:client');
    expect(stored!.messages).toEqual([
      { role: 'user', content: 'hello there' },
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_w', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
      },
    ]);
  });

  it('on a turn mixing both, runs the server call and ends with only the client call', async () => {
    h.openai.script({
      toolCalls: [
        { id: 'call_s', name: 'current_time', arguments: '{}' },
        { id: 'call_c', name: 'lookup', arguments: '{"q":"x"}' },
      ],
    });
    const { events, result } = await drain(
      h.runtime.start(input({ stateless: true, clientTools: [{ name: 'lookup' }] })),
    );
    expect(h.openai.requests).toHaveLength(1);
    expect(
      events.filter((e) => e.type === 'tool.start').map((e) => e.type === 'tool.start' && [e.name, e.client]),
    ).toEqual([
      ['current_time', false],
      ['lookup', true],
    ]);
    expect(events.find((e) => e.type === 'tool.result')).toMatchObject({ callId: 'call_s', isError: false });
    expect(result).toMatchObject({ stopReason: 'tool_calls', toolCalls: [{ id: 'call_c', name: 'lookup' }] });
  });

  it('stops with length once maxToolSteps server steps have run', async () => {
    h.openai.setDefault({ toolCalls: [{ name: 'current_time', arguments: '{}' }] });
    const { events, result } = await drain(h.runtime.start(input({ stateless: true })));
    expect(h.openai.requests).toHaveLength(3);
    expect(events.filter((e) => e.type === 'tool.result')).toHaveLength(3);
    expect(result.stopReason).toBe('length');
    expect(events.at(-1)!.type).toBe('lifecycle.end');
  });

  it('reports an unknown tool and bad arguments back to the model as tool errors', async () => {
    h.openai.script(
      {
        toolCalls: [
          { id: 'c1', name: 'rm_rf', arguments: '{}' },
          { id: 'c2', name: 'current_time', arguments: '{not json' },
          { id: 'c3', name: 'current_time', arguments: '{"timezone":"Mars/Olympus"}' },
          { id: 'c4', name: 'current_time', arguments: '{"timezone":7,"format":"unix"}' },
        ],
      },
      answerFromToolResult,
    );
    const { events, result } = await drain(h.runtime.start(input({ stateless: true })));
    const results = events.flatMap((e) => (e.type === 'tool.result' ? [[e.callId, e.isError, e.result]] : []));
    expect(results).toEqual([
      ['c1', true, 'unknown tool: rm_rf'],
      ['c2', true, 'arguments are not valid JSON'],
      ['c3', true, 'unknown time zone: Mars/Olympus'],
      // Arguments the tool's schema refuses: the tool never runs, the model is told why.
      ['c4', true, expect.stringMatching(/^invalid arguments for current_time: timezone: .*; .*format/)],
    ]);
    expect(h.openai.requests[1]!.body.messages.filter((m: any) => m.role === 'tool')).toHaveLength(4);
    expect(result.stopReason).toBe('stop');
  });

  it('offers no tools to an agent whose allow-list is empty, and no client tools with toolChoice none', async () => {
    await drain(h.runtime.start(input({ agentId: 'notools', sessionKey: 'agent:notools:x', stateless: true })));
    expect(h.openai.requests[0]!.body.tools).toBeUndefined();
    await drain(h.runtime.start(input({ stateless: true, clientTools: [{ name: 'lookup' }], toolChoice: 'none' })));
    expect(h.openai.requests[1]!.body.tools.map((t: any) => t.function.name)).toEqual(['current_time']);
    expect(h.openai.requests[1]!.body.tool_choice).toBeUndefined();
  });

  it('forces a required tool choice on the first step only', async () => {
    h.openai.script({ toolCalls: [{ name: 'current_time', arguments: '{}' }] }, { text: 'done' });
    const { result } = await drain(h.runtime.start(input({ stateless: true, toolChoice: 'required' })));
    expect(result.text).toBe('done');
    expect(h.openai.requests.map((r) => r.body.tool_choice)).toEqual(['required', undefined]);
  });
});

describe('an agent with a workspace', () => {
  it('builds its system prompt from AGENTS.md and SOUL.md, read once, with the client system text after', async () => {
    const before = reads.length;
    await drain(h.runtime.start(input({ agentId: 'ws', stateless: true, extraSystemPrompt: 'Client says hi.' })));
    await drain(h.runtime.start(input({ agentId: 'ws', stateless: true })));
    expect(h.openai.requests[0]!.body.messages[0]).toEqual({
      role: 'system',
      content: '# Rules\nAnswer from the notes.\n\nYou are calm.\n\nClient says hi.',
    });
    expect(h.openai.requests[1]!.body.messages[0]).toEqual({
      role: 'system',
      content: '# Rules\nAnswer from the notes.\n\nYou are calm.',
    });
    expect(reads.slice(before).sort()).toEqual(['AGENTS.md', 'SOUL.md']);
  });

  it('reads files inside the workspace with read_file and refuses paths outside it', async () => {
    h.openai.script(
      {
        toolCalls: [
          { id: 'r1', name: 'read_file', arguments: '{"path":"notes.txt"}' },
          { id: 'r2', name: 'read_file', arguments: '{"path":"../outside.txt"}' },
          { id: 'r3', name: 'read_file', arguments: '{"path":"/etc/passwd"}' },
          { id: 'r4', name: 'read_file', arguments: '{"path":"missing.md"}' },
        ],
      },
      { text: 'ok' },
    );
    const { events } = await drain(h.runtime.start(input({ agentId: 'ws', stateless: true })));
    expect(h.openai.requests[0]!.body.tools.map((t: any) => t.function.name)).toEqual(['current_time', 'read_file']);
    const results = events.flatMap((e) => (e.type === 'tool.result' ? [[e.callId, e.isError, e.result]] : []));
    expect(results[0]).toEqual(['r1', false, 'The secret word is heliotrope.']);
    expect(results.slice(1).map((r) => r[1])).toEqual([true, true, true]);
    expect(results[3]![2]).toBe('file not found: missing.md');
    expect(JSON.stringify(results)).not.toContain(dir);
  });
});
