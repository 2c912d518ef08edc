/**
 * A real runtime wired to real loopback providers (fake OpenAI twice, fake Anthropic)
 * and a real in-memory session store that counts its calls.
 */
import { createAgentRuntime, type AgentRuntimeDeps } from '../../src/agent/agentRuntime.js';
import type { AgentDefinition, AgentRegistry } from '../../src/agent/agents.js';
import type { RunEvent, RunResult } from '../../src/agent/events.js';
import type { ChatMessage, Usage } from '../../src/messages.js';
import type { AgentRuntime, RunHandle, RunInput } from '../../src/agent/runtime.js';
import type { WorkspaceFiles } from '../../src/agent/workspace.js';
import { configSchema } from '../../src/config/schema.js';
import type { LogLevel, Logger } from '../../src/log.js';
import { nodeWorkspaceFiles } from '../../src/node/workspaceFiles.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { MemorySessionStore } from '../../src/sessions/memoryStore.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { startFakeAnthropic } from '../fixtures/fakeAnthropic.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';

/** The real memory store, recording which methods were called. */
export class CountingStore extends MemorySessionStore {
  readonly calls: string[] = [];
  override async load(key: string) {
    this.calls.push(`load ${key}`);
    return super.load(key);
  }
  override async appendTurn(
    key: string,
    agentId: string,
    messages: ChatMessage[],
    usage: Usage,
  ): Promise<SessionRecord> {
    this.calls.push(`appendTurn ${key}`);
    return super.appendTurn(key, agentId, messages, usage);
  }
}

export interface HarnessOptions {
  agents?: Partial<AgentDefinition>[];
  defaults?: Partial<AgentRuntimeDeps['defaults']>;
  workspace?: WorkspaceFiles;
  idleTimeoutMs?: number;
}

export interface Harness {
  runtime: AgentRuntime;
  /** Provider `oai`. */
  openai: FakeProvider;
  /** Provider `backup` (OpenAI protocol too). */
  backup: FakeProvider;
  /** Provider `anth`. */
  anthropic: FakeProvider;
  store: CountingStore;
  logs: { level: LogLevel; msg: string; fields?: Record<string, unknown> }[];
  close(): Promise<void>;
}

export const KEY = 'agent:main:test';

export function agentDef(partial: Partial<AgentDefinition> = {}): AgentDefinition {
  return { id: 'main', name: partial.id ?? 'main', models: ['oai/gpt-test'], timeoutSeconds: 0, ...partial };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const [openai, backup, anthropic] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), startFakeAnthropic()]);
  const config = configSchema.parse({
    models: {
      providers: {
        oai: { api: 'openai-completions', baseUrl: openai.url, apiKey: '${FAKE_KEY}' },
        backup: { api: 'openai-completions', baseUrl: backup.url, apiKey: '${FAKE_KEY}' },
        anth: { api: 'anthropic-messages', baseUrl: anthropic.url, apiKey: '${FAKE_KEY}' },
      },
    },
  });
  const models = createModelRegistry(
    config,
    { FAKE_KEY: 'sk-test-key' },
    { idleTimeoutMs: options.idleTimeoutMs ?? 5000 },
  );
  const list = (options.agents ?? [{}]).map(agentDef);
  const agents: AgentRegistry = { defaultId: list[0]!.id, list, get: (id) => list.find((a) => a.id === id) };
  const store = new CountingStore();
  const logs: Harness['logs'] = [];
  const log: Logger = { verbose: true, log: (level, msg, fields) => void logs.push({ level, msg, fields }) };
  const runtime = createAgentRuntime({
    agents,
    models,
    store,
    workspace: options.workspace ?? nodeWorkspaceFiles,
    defaults: { maxConcurrent: 64, maxQueued: 64, maxToolSteps: 4, ...options.defaults },
    log,
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  return {
    runtime,
    openai,
    backup,
    anthropic,
    store,
    logs,
    close: async () => {
      await Promise.all([openai.close(), backup.close(), anthropic.close()]);
    },
  };
}

export function input(partial: Partial<RunInput> & { text?: string } = {}): RunInput {
  const { text, ...rest } = partial;
  return {
    agentId: 'main',
    sessionKey: KEY,
    stateless: false,
    messages: [{ role: 'user', content: text ?? 'hello there' }],
    ...rest,
  };
}

/** Reads every event of a run, then its result. */
export async function drain(handle: RunHandle): Promise<{ events: RunEvent[]; result: RunResult }> {
  const events: RunEvent[] = [];
  for await (const event of handle.events) events.push(event);
  return { events, result: await handle.result };
}

export function deltas(events: RunEvent[]): string {
  return events.map((e) => (e.type === 'assistant.delta' ? e.delta : '')).join('');
}

/** The messages the fake received in its `n`th request (OpenAI wire shape). */
export function sentMessages(fake: FakeProvider, n: number): any[] {
  return fake.requests[n]?.body?.messages ?? [];
}
