import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import type { AgentDefinition } from '../agents.js';
import { executeToolCall } from './executeToolCall.js';
import { type BuiltinTool, defineTool, type ToolContext } from './tool.js';

const agent: AgentDefinition = { id: 'a', name: 'a', models: [], timeoutSeconds: 0 };
const context: ToolContext = {
  agent,
  workspace: { readText: async () => null },
  signal: new AbortController().signal,
};

function harness() {
  const ran: unknown[] = [];
  const logs: Array<{ msg: string; fields?: Record<string, unknown> }> = [];
  const log: Logger = { verbose: false, log: (_level, msg, fields) => void logs.push({ msg, fields }) };
  const echo = defineTool({
    name: 'echo',
    description: 'Says the text back, n times.',
    args: z.strictObject({ text: z.string(), n: z.number().int().optional() }),
    availableTo: () => true,
    async run(args) {
      ran.push(args);
      return { output: args.text.repeat(args.n ?? 1), isError: false };
    },
  });
  const broken = defineTool({
    name: 'broken',
    description: 'Always throws.',
    args: z.strictObject({}),
    availableTo: () => true,
    async run() {
      throw new Error('disk on fire');
    },
  });
  const tools = new Map<string, BuiltinTool>([
    ['echo', echo],
    ['broken', broken],
  ]);
  const call = (name: string, args: string) => executeToolCall(tools, { name, arguments: args }, context, log, 'run_1');
  return { ran, logs, call };
}

describe('executeToolCall', () => {
  it('runs a tool with the arguments its schema parsed', async () => {
    const { ran, call } = harness();
    expect(await call('echo', '{"text":"ab","n":2}')).toEqual({ output: 'abab', isError: false });
    expect(ran).toEqual([{ text: 'ab', n: 2 }]);
  });

  it('answers arguments that do not match the schema with a tool error, and never runs the tool', async () => {
    const { ran, call } = harness();
    const wrongType = await call('echo', '{"text":5}');
    expect(wrongType.isError).toBe(true);
    expect(wrongType.output).toMatch(/^invalid arguments for echo: text: /);
    expect((await call('echo', '{}')).output).toMatch(/text: /);
    expect((await call('echo', '{"text":"x","n":1.5}')).isError).toBe(true);
    const extra = await call('echo', '{"text":"x","rm":"-rf"}');
    expect(extra.isError).toBe(true);
    expect(extra.output).toContain('rm');
    expect(ran).toEqual([]);
  });

  it('refuses text that is not a JSON object before any schema', async () => {
    const { ran, call } = harness();
    expect(await call('echo', '{"text":')).toEqual({ output: 'arguments are not valid JSON', isError: true });
    expect(await call('echo', '["x"]')).toEqual({ output: 'arguments must be a JSON object', isError: true });
    expect(await call('echo', 'null')).toEqual({ output: 'arguments must be a JSON object', isError: true });
    expect(ran).toEqual([]);
  });

  it('takes empty argument text as an empty object', async () => {
    const { call } = harness();
    expect((await call('broken', '  ')).output).toBe('broken failed: disk on fire');
    expect((await call('echo', '')).output).toMatch(/^invalid arguments for echo/);
  });

  it('turns an unknown tool and a throwing tool into tool errors, logging the throw', async () => {
    const { logs, call } = harness();
    expect(await call('shell', '{}')).toEqual({ output: 'unknown tool: shell', isError: true });
    expect(await call('broken', '{}')).toEqual({ output: 'broken failed: disk on fire', isError: true });
    expect(logs).toEqual([
      { msg: 'tool failed', fields: { runId: 'run_1', tool: 'broken', error: 'Error: disk on fire' } },
    ]);
  });
});

describe('defineTool', () => {
  it('shows the model the argument schema as JSON Schema, without a dialect line', () => {
    const tool = defineTool({
      name: 't',
      description: 'd',
      args: z.strictObject({ path: z.string().describe('where') }),
      availableTo: () => true,
      run: async () => ({ output: '', isError: false }),
    });
    expect(tool.spec).toEqual({
      name: 't',
      description: 'd',
      parameters: {
        type: 'object',
        properties: { path: { type: 'string', description: 'where' } },
        required: ['path'],
        additionalProperties: false,
      },
    });
  });
});
