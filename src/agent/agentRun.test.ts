import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { NO_RUN_METRICS } from '../metrics/gatewayMetrics.js';
import type { ModelEvent, ModelRegistry, ResolvedModel } from '../providers/types.js';
import { MemorySessionStore } from '../sessions/memoryStore.js';
import type { Permit } from './admission.js';
import type { AgentPlan } from './agentPlan.js';
import { AgentRun, type RunDeps } from './agentRun.js';
import type { RunEvent } from './events.js';
import type { RunInput } from './runtime.js';
import { createSystemPrompts } from './systemPrompt.js';

const model: ResolvedModel = { provider: 'p', model: 'm', ref: 'p/m', config: { models: [] }, apiKey: undefined };
const usage = { promptTokens: 3, completionTokens: 2, cachedTokens: 0, totalTokens: 5 };

/** A run wired to a scripted model: the lifecycle is under test here, the wire protocols elsewhere. */
function harness(script: (signal: AbortSignal) => AsyncIterable<ModelEvent>) {
  const published: RunEvent[] = [];
  const models: ModelRegistry = { resolve: () => model, stream: () => (request) => script(request.signal) };
  const workspace = { readText: async () => null };
  const deps: RunDeps = {
    models,
    store: new MemorySessionStore(),
    workspace,
    prompts: createSystemPrompts(workspace, silentLogger),
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    maxToolSteps: 4,
    log: silentLogger,
    metrics: NO_RUN_METRICS,
    publish: (event) => void published.push(event),
  };
  const plan: AgentPlan = {
    agent: { id: 'main', name: 'main', models: ['p/m'], timeoutSeconds: 0 },
    tools: new Map(),
    toolSpecs: [],
    models: [model],
    plainModels: [model],
  };
  const start = (input: Partial<RunInput> = {}) =>
    new AgentRun(deps, 'run_1', plan, {
      agentId: 'main',
      sessionKey: 'agent:main:test',
      stateless: true,
      messages: [{ role: 'user', content: 'hi' }],
      ...input,
    });
  return { published, start, deps };
}

function permit(): { admitted: Promise<Permit>; released: () => boolean } {
  let released = false;
  const release = (): void => {
    released = true;
  };
  return { admitted: Promise.resolve({ release }), released: () => released };
}

async function* answer(): AsyncIterable<ModelEvent> {
  yield { type: 'text_delta', delta: 'Hel' };
  yield { type: 'text_delta', delta: 'lo' };
  yield { type: 'done', reason: 'stop', usage };
}

describe('AgentRun', () => {
  it('runs the turn once admitted, leaves before its last event, and ends with usage and lifecycle.end', async () => {
    const { published, start } = harness(answer);
    const run = start();
    const { admitted, released } = permit();
    const order: string[] = [];
    await run.execute(admitted, () => order.push(`leave after ${published.length} events`));
    const result = await run.result;
    expect(published.map((e) => e.type)).toEqual(['assistant.delta', 'assistant.delta', 'usage', 'lifecycle.end']);
    expect(order).toEqual(['leave after 2 events']);
    expect(published.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(result).toMatchObject({ runId: 'run_1', text: 'Hello', usage, model: 'p/m', stopReason: 'stop' });
    expect(result.providerMs).toBeGreaterThanOrEqual(0);
    expect(released()).toBe(true);
  });

  it("ends aborted, without calling the model, when the caller's signal is already aborted", async () => {
    let called = false;
    const { published, start } = harness(() => {
      called = true;
      return answer();
    });
    const outer = new AbortController();
    outer.abort('client went away');
    const run = start({ signal: outer.signal });
    run.arm();
    const { admitted, released } = permit();
    await run.execute(admitted, () => {});
    const result = await run.result;
    expect(called).toBe(false);
    expect(result).toMatchObject({ stopReason: 'aborted', error: { code: 'aborted', message: 'client went away' } });
    expect(published.at(-1)?.type).toBe('lifecycle.error');
    expect(released()).toBe(true);
  });

  it('aborts the model call in flight, and refuses a second abort and any abort once committed', async () => {
    const { start } = harness(async function* (signal) {
      yield { type: 'text_delta', delta: 'partial' };
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    });
    const run = start();
    const done = run.execute(permit().admitted, () => {});
    await new Promise((r) => setTimeout(r, 20));
    expect(run.abort({ code: 'aborted', message: 'stop now' })).toBe(true);
    expect(run.abort({ code: 'timeout', message: 'too late' })).toBe(false);
    await done;
    expect(await run.result).toMatchObject({ stopReason: 'aborted', text: 'partial', error: { message: 'stop now' } });

    const committed = harness(answer).start();
    committed.commit();
    expect(committed.abort({ code: 'aborted', message: 'x' })).toBe(false);
  });

  it("times out after the agent's timeoutSeconds", async () => {
    const { start, deps } = harness(async function* (signal) {
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      yield { type: 'done', reason: 'stop', usage };
    });
    const run = new AgentRun(
      deps,
      'run_2',
      { ...start().plan, agent: { ...start().plan.agent, timeoutSeconds: 0.05 } },
      start().input,
    );
    run.arm();
    await run.execute(permit().admitted, () => {});
    expect(await run.result).toMatchObject({ stopReason: 'error', error: { code: 'timeout' } });
  });
});
