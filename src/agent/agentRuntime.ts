import type { Logger } from '../log.js';
import { NO_RUN_METRICS, type RunMetrics } from '../metrics/gatewayMetrics.js';
import type { ModelRegistry } from '../providers/types.js';
import type { SessionStore } from '../sessions/store.js';
import { Admission } from './admission.js';
import { type AgentPlan, checkRunInput, invalid, planAgent } from './agentPlan.js';
import { AgentRun, type RunDeps } from './agentRun.js';
import type { AgentRegistry } from './agents.js';
import { RunFailure, type RunEvent } from './events.js';
import { DEFAULT_RETRY, type RetryPolicy } from './modelCall.js';
import { storeUnavailable } from './storeUnavailable.js';
import type { AgentRuntime, RunHandle } from './runtime.js';
import type { SharedSessionLocks } from './sharedLocks.js';
import { createSystemPrompts } from './systemPrompt.js';
import type { WorkspaceFiles } from './workspace.js';

export interface AgentRuntimeDeps {
  agents: AgentRegistry;
  models: ModelRegistry;
  store: SessionStore;
  workspace: WorkspaceFiles;
  defaults: { maxConcurrent: number; maxQueued: number; maxToolSteps: number; utilityModel?: string };
  log: Logger;
  retry?: Partial<RetryPolicy>;
  metrics?: RunMetrics;
  /** Serialises keyed runs across replicas; absent when this process is the only one. */
  sharedLocks?: SharedSessionLocks;
}

/** The one run path: admits runs, keeps the active ones, and lets transports watch and abort them. */
export function createAgentRuntime(deps: AgentRuntimeDeps): AgentRuntime {
  const { agents, models, log, sharedLocks } = deps;
  const admission = new Admission({ maxConcurrent: deps.defaults.maxConcurrent, maxQueued: deps.defaults.maxQueued });
  const plans = new Map<string, AgentPlan>();
  const listeners = new Set<(event: RunEvent) => void>();
  const active = new Map<string, AgentRun>();
  const runDeps: RunDeps = {
    models,
    store: deps.store,
    workspace: deps.workspace,
    prompts: createSystemPrompts(deps.workspace, log),
    retry: {
      maxRetries: deps.retry?.maxRetries ?? DEFAULT_RETRY.maxRetries,
      baseDelayMs: deps.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: deps.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    },
    maxToolSteps: deps.defaults.maxToolSteps,
    log,
    metrics: deps.metrics ?? NO_RUN_METRICS,
    publish(event) {
      if (listeners.size === 0) return;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (err) {
          log.log('warn', 'run event listener failed', { runId: event.runId, error: String(err) });
        }
      }
    },
  };

  function planFor(agentId: string): AgentPlan | undefined {
    let plan = plans.get(agentId);
    if (plan !== undefined) return plan;
    const agent = agents.get(agentId);
    if (agent === undefined) return undefined;
    plan = planAgent(agent, models, log, deps.defaults.utilityModel);
    plans.set(agentId, plan);
    return plan;
  }

  return {
    start(input) {
      const plan = planFor(input.agentId);
      if (plan === undefined)
        throw new RunFailure({ code: 'unknown_agent', message: `unknown agent "${input.agentId}"` });
      checkRunInput(input, plan);
      if (!input.stateless && sharedLocks !== undefined && !sharedLocks.available()) {
        throw new RunFailure(storeUnavailable('session storage is unreachable'));
      }
      const runId = input.runId ?? `run_${globalThis.crypto.randomUUID()}`;
      if (active.has(runId)) invalid(`run id "${runId}" is already in use`, 'runId');
      const run = new AgentRun(runDeps, runId, plan, input);
      const admitted = admission.admit(input.sessionKey, run.signal, input.stateless ? undefined : sharedLocks);
      active.set(runId, run);
      run.emit({ type: 'lifecycle.start', agentId: plan.agent.id, stateless: input.stateless });
      run.arm();
      void run.execute(admitted, () => active.delete(runId));
      const handle: RunHandle = {
        runId,
        sessionKey: input.sessionKey,
        agentId: plan.agent.id,
        events: run.stream,
        result: run.result,
        abort: (reason) => void run.abort({ code: 'aborted', message: reason ?? 'run aborted' }),
      };
      return handle;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    abortRun(runId, reason) {
      return active.get(runId)?.abort({ code: 'aborted', message: reason ?? 'run aborted' }) === true;
    },

    counts: () => ({ active: active.size, queued: admission.waiting }),

    *activeRuns() {
      for (const run of active.values()) {
        yield { runId: run.runId, sessionKey: run.sessionKey, agentId: run.agentId, startedAt: run.startedAt };
      }
    },
  };
}
