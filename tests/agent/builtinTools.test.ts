import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentDefinition } from '../../src/agent/agents.js';
import { toolsForAgent } from '../../src/agent/tools/builtinTools.js';
import { executeToolCall } from '../../src/agent/tools/executeToolCall.js';
import { silentLogger } from '../../src/log.js';
import { currentTime } from '../../src/agent/tools/currentTime.js';
import { READ_FILE_MAX_BYTES, readFile } from '../../src/agent/tools/readFile.js';
import type { ToolContext } from '../../src/agent/tools/tool.js';
import { nodeWorkspaceFiles } from '../../src/node/workspaceFiles.js';

let root: string;
let workspace: string;
const agent = (partial: Partial<AgentDefinition> = {}): AgentDefinition => ({
  id: 'a',
  name: 'a',
  models: [],
  timeoutSeconds: 0,
  ...partial,
});
const ctx = (): ToolContext => ({
  agent: agent({ workspace }),
  workspace: nodeWorkspaceFiles,
  signal: new AbortController().signal,
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tools-'));
  workspace = join(root, 'ws');
  await (await import('node:fs/promises')).mkdir(workspace);
  await writeFile(join(root, 'secret.txt'), 'TOPSECRET');
  await writeFile(join(workspace, 'big.txt'), 'x'.repeat(READ_FILE_MAX_BYTES + 10));
  await writeFile(join(workspace, 'exact.txt'), 'y'.repeat(READ_FILE_MAX_BYTES));
  await symlink(join(root, 'secret.txt'), join(workspace, 'link.txt'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('toolsForAgent', () => {
  it('offers read_file only with a workspace, and applies the allow-list', () => {
    expect([...toolsForAgent(agent()).keys()]).toEqual(['current_time']);
    expect([...toolsForAgent(agent({ workspace: '/w' })).keys()]).toEqual(['current_time', 'read_file']);
    expect([...toolsForAgent(agent({ workspace: '/w', tools: ['read_file'] })).keys()]).toEqual(['read_file']);
    expect([...toolsForAgent(agent({ tools: ['read_file', 'shell'] })).keys()]).toEqual([]);
  });
});

describe('tool specs', () => {
  it('show the model exactly the arguments each tool accepts', () => {
    expect(currentTime.spec.parameters).toEqual({
      type: 'object',
      properties: { timezone: { type: 'string', description: 'IANA time zone name; UTC when omitted.' } },
      additionalProperties: false,
    });
    expect(readFile.spec.parameters).toEqual({
      type: 'object',
      properties: { path: { type: 'string', description: 'File path relative to the workspace root.' } },
      required: ['path'],
      additionalProperties: false,
    });
  });
});

describe('current_time', () => {
  it('answers UTC ISO time without a zone and refuses a bad zone', async () => {
    const { output, isError } = await currentTime.run({}, ctx());
    expect(isError).toBe(false);
    expect(Math.abs(Date.parse(output) - Date.now())).toBeLessThan(5000);
    expect(output).toMatch(/Z$/);
    expect(await currentTime.run({ timezone: 'Nowhere/City' }, ctx())).toEqual({
      output: 'unknown time zone: Nowhere/City',
      isError: true,
    });
    const wrongType = await executeToolCall(
      toolsForAgent(agent()),
      { name: 'current_time', arguments: '{"timezone":5}' },
      ctx(),
      silentLogger,
      'r',
    );
    expect(wrongType.isError).toBe(true);
  });

  it('gives the offset of a zone', async () => {
    const { output } = await currentTime.run({ timezone: 'Asia/Kathmandu' }, ctx());
    expect(output).toMatch(/\+05:45 \(Asia\/Kathmandu\)$/);
    expect(Math.abs(Date.parse(output.split(' ')[0]!) - Date.now())).toBeLessThan(5000);
  });
});

describe('read_file', () => {
  it('caps the size it returns, and says so', async () => {
    const big = await readFile.run({ path: 'big.txt' }, ctx());
    expect(big.isError).toBe(false);
    expect(big.output).toBe(`${'x'.repeat(READ_FILE_MAX_BYTES)}\n[truncated at ${READ_FILE_MAX_BYTES} bytes]`);
    expect((await readFile.run({ path: 'exact.txt' }, ctx())).output).toBe('y'.repeat(READ_FILE_MAX_BYTES));
  });

  it('refuses symlinks out of the workspace, parent paths and bad arguments, without leaking paths', async () => {
    for (const path of ['link.txt', '../secret.txt', 'sub/../../secret.txt', '/etc/hostname', 'C:\\x']) {
      const outcome = await readFile.run({ path }, ctx());
      expect(outcome.isError, path).toBe(true);
      expect(outcome.output).not.toContain(root);
      expect(outcome.output).not.toContain('TOPSECRET');
    }
    const noPath = await executeToolCall(
      toolsForAgent(agent({ workspace })),
      { name: 'read_file', arguments: '{}' },
      ctx(),
      silentLogger,
      'r',
    );
    expect(noPath).toMatchObject({
      isError: true,
      output: expect.stringMatching(/^invalid arguments for read_file: path/),
    });
    expect((await readFile.run({ path: 'x' }, { ...ctx(), agent: agent() })).output).toBe(
      'this agent has no workspace',
    );
  });
});
