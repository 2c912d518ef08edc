import type { Logger } from '../log.js';
import { NO_RUN_METRICS, type RunMetrics } from '../metrics/gatewayMetrics.js';
import type { ModelEvent, ModelRegistry, ResolvedModel } from '../providers/types.js';
import { StoreUnavailableError, type SessionStore } from '../sessions/store.js';
import { Admission, type Permit } from './admission.js';
import type { AgentDefinition, AgentRegistry } from './agents.js';
import { mergeConversation } from './conversation.js';
import { EventStream } from './eventStream.js';
import { RunFailure, type RunError, type RunEvent, type RunResult, type StopReason } from './events.js';
import {
  addUsage,
  ZERO_USAGE,
  type ChatMessage,
  type FinishReason,
  newToolCallId,
  type ToolCall,
  type ToolChoice,
  type ToolSpec,
  type Usage,
} from '../messages.js';
import {
  DEFAULT_RETRY,
  failureAfterFirstEvent,
  openModelStream,
  resolveModels,
  type RetryPolicy,
} from './modelCall.js';
import type { AgentRuntime, RunHandle, RunInput } from './runtime.js';
import type { SharedSessionLocks } from './sharedLocks.js';
import { composeSystemPrompt, createSystemPrompts } from './systemPrompt.js';
import { toolsForAgent } from './tools/builtinTools.js';
import { toolError, type BuiltinTool, type ToolOutcome } from './tools/tool.js';
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

/** How long a client is told to wait when the shared store is down. */
const STORE_RETRY_AFTER_MS = 2000;

/** What one agent needs on every run, worked out on its first run and kept. */
interface AgentPlan {
  agent: AgentDefinition;
  tools: Map<string, BuiltinTool>;
  toolSpecs: ToolSpec[];
  models: ResolvedModel[];
  /** For plain runs: the utility model first, when configured, then the agent's own. */
  plainModels: ResolvedModel[];
}

type RunEventBody = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'runId' | 'seq' | 'ts' | 'sessionKey'>
    : never
  : never;

type Outcome = { ok: true; stopReason: StopReason } | { ok: false; error: RunError };

interface PendingCall {
  id: string;
  name: string;
  args: string;
  client: boolean;
}

const NO_SAMPLING = Object.freeze({});

export function createAgentRuntime(deps: AgentRuntimeDeps): AgentRuntime {
  const { agents, models, store, workspace, log, sharedLocks } = deps;
  const metrics = deps.metrics ?? NO_RUN_METRICS;
  const maxToolSteps = deps.defaults.maxToolSteps;
  const admission = new Admission({ maxConcurrent: deps.defaults.maxConcurrent, maxQueued: deps.defaults.maxQueued });
  const prompts = createSystemPrompts(workspace, log);
  const retry: RetryPolicy = {
    maxRetries: deps.retry?.maxRetries ?? DEFAULT_RETRY.maxRetries,
    baseDelayMs: deps.retry?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: deps.retry?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
  const plans = new Map<string, AgentPlan>();
  const listeners = new Set<(event: RunEvent) => void>();
  const active = new Map<string, AgentRun>();

  function planFor(agentId: string): AgentPlan | undefined {
    let plan = plans.get(agentId);
    if (plan !== undefined) return plan;
    const agent = agents.get(agentId);
    if (agent === undefined) return undefined;
    const tools = toolsForAgent(agent);
    const agentModels = resolveModels(models, agent.models, log, agent.id);
    const utility = deps.defaults.utilityModel;
    plan = {
      agent,
      tools,
      toolSpecs: [...tools.values()].map((t) => t.spec),
      models: agentModels,
      plainModels:
        utility === undefined ? agentModels : [...resolveModels(models, [utility], log, agent.id), ...agentModels],
    };
    plans.set(agentId, plan);
    return plan;
  }

  function broadcast(event: RunEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        log.log('warn', 'run event listener failed', { runId: event.runId, error: String(err) });
      }
    }
  }

  /** One run, from admission to its last event. */
  class AgentRun {
    readonly startedAt = Date.now();
    readonly stream = new EventStream<RunEvent>();
    readonly controller = new AbortController();
    readonly result: Promise<RunResult>;
    #resolve!: (result: RunResult) => void;
    #seq = 0;
    #abortError: RunError | undefined;
    /** Set once the turn is being written (or the run is over): from then on abort has no effect. */
    #committed = false;
    #timer: ReturnType<typeof setTimeout> | undefined;
    #unlinkSignal: (() => void) | undefined;
    text = '';
    usage: Usage = ZERO_USAGE;
    providerMs = 0;
    model: string | undefined;
    clientCalls: ToolCall[] = [];

    constructor(
      readonly runId: string,
      readonly sessionKey: string,
      readonly plan: AgentPlan,
      readonly input: RunInput,
    ) {
      this.result = new Promise((resolve) => {
        this.#resolve = resolve;
      });
    }

    get agentId(): string {
      return this.plan.agent.id;
    }

    get signal(): AbortSignal {
      return this.controller.signal;
    }

    emit(body: RunEventBody): void {
      const event = body as RunEvent;
      event.runId = this.runId;
      event.seq = ++this.#seq;
      event.ts = Date.now();
      event.sessionKey = this.sessionKey;
      this.stream.push(event);
      if (listeners.size > 0) broadcast(event);
    }

    /** Links the caller's signal and the agent's timeout to this run. */
    arm(): void {
      const outer = this.input.signal;
      if (outer !== undefined) {
        const onAbort = (): void =>
          void this.abort({ code: 'aborted', message: reasonText(outer.reason) ?? 'run aborted' });
        if (outer.aborted) onAbort();
        else {
          outer.addEventListener('abort', onAbort, { once: true });
          this.#unlinkSignal = () => outer.removeEventListener('abort', onAbort);
        }
      }
      const seconds = this.plan.agent.timeoutSeconds;
      if (seconds > 0) {
        this.#timer = setTimeout(
          () => this.abort({ code: 'timeout', message: `run timed out after ${seconds} s` }),
          Math.min(seconds * 1000, 2 ** 31 - 1),
        );
      }
    }

    abort(error: RunError): boolean {
      if (this.#abortError !== undefined || this.#committed || this.signal.aborted) return false;
      this.#abortError = error;
      this.controller.abort(new RunFailure(error));
      return true;
    }

    throwIfAborted(): void {
      if (this.signal.aborted) throw this.signal.reason;
    }

    commit(): void {
      this.throwIfAborted();
      this.#committed = true;
    }

    async execute(admitted: Promise<Permit>): Promise<void> {
      let permit: Permit | undefined;
      let outcome: Outcome;
      let unlinkLost: (() => void) | undefined;
      try {
        permit = await admitted;
        const lost = permit.lost;
        if (lost !== undefined) {
          const onLost = (): void =>
            void this.abort(storeUnavailable('the session lock was lost with its PostgreSQL connection'));
          if (lost.aborted) onLost();
          lost.addEventListener('abort', onLost, { once: true });
          unlinkLost = () => lost.removeEventListener('abort', onLost);
        }
        this.throwIfAborted();
        outcome = { ok: true, stopReason: await this.#turn() };
      } catch (err) {
        outcome = { ok: false, error: this.#errorFrom(err) };
      } finally {
        this.#committed = true;
        unlinkLost?.();
        permit?.release();
        clearTimeout(this.#timer);
        this.#unlinkSignal?.();
        active.delete(this.runId);
      }
      this.#finish(outcome);
    }

    #errorFrom(err: unknown): RunError {
      if (this.#abortError !== undefined) return this.#abortError;
      if (err instanceof RunFailure) return err.error;
      if (err instanceof StoreUnavailableError) return storeUnavailable(err.message);
      log.log('error', 'run failed unexpectedly', {
        runId: this.runId,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      return { code: 'internal', message: 'internal error' };
    }

    #finish(outcome: Outcome): void {
      const result: RunResult = {
        runId: this.runId,
        sessionKey: this.sessionKey,
        agentId: this.agentId,
        model: this.model,
        text: this.text,
        toolCalls: this.clientCalls,
        usage: this.usage,
        providerMs: this.providerMs,
        stopReason: outcome.ok ? outcome.stopReason : outcome.error.code === 'aborted' ? 'aborted' : 'error',
        startedAt: this.startedAt,
        endedAt: Date.now(),
      };
      if (outcome.ok) {
        this.emit({ type: 'usage', usage: this.usage });
        this.emit({ type: 'lifecycle.end', result });
      } else {
        result.error = outcome.error;
        this.emit({ type: 'lifecycle.error', error: outcome.error, result });
      }
      if (this.model !== undefined)
        metrics.tokens(this.agentId, this.model, this.usage.promptTokens, this.usage.completionTokens);
      this.stream.end();
      this.#resolve(result);
    }

    /** The model/tool loop of one turn; resolves with how it stopped, after storing it. */
    async #turn(): Promise<StopReason> {
      const { input, plan } = this;
      if (input.plain) return this.#plainTurn();
      const system = composeSystemPrompt(await prompts.base(plan.agent), input.extraSystemPrompt);
      const declared = input.clientTools ?? [];
      const clientNames = new Set(declared.map((t) => t.name));
      let messages: ChatMessage[];
      let fresh: ChatMessage[];
      if (input.stateless) {
        messages = fresh = input.messages;
      } else {
        const stored = await store.load(this.sessionKey);
        ({ context: messages, fresh } = mergeConversation(stored?.messages ?? [], input.messages, clientNames));
      }
      this.throwIfAborted();

      const clientTools = input.toolChoice === 'none' ? [] : declared;
      const tools = clientTools.length === 0 ? plan.toolSpecs : [...plan.toolSpecs, ...clientTools];
      let toolChoice: ToolChoice | undefined =
        tools.length === 0 || input.toolChoice === 'none' ? undefined : input.toolChoice;
      const produced: ChatMessage[] = [];
      let stopReason: StopReason;

      for (let step = 0; ; step++) {
        const { text, calls, reason } = await this.#modelStep(
          { system, messages, tools, toolChoice, sampling: input.sampling ?? NO_SAMPLING, signal: this.signal },
          clientNames,
        );
        if (reason === 'length' || calls.length === 0) {
          produced.push({ role: 'assistant', content: text });
          stopReason = reason === 'length' ? 'length' : 'stop';
          break;
        }
        const toolCalls = calls.map((c) => ({ id: c.id, name: c.name, arguments: c.args }));
        const stepMessages: ChatMessage[] = [{ role: 'assistant', content: text === '' ? null : text, toolCalls }];
        // Server calls run even when the turn also holds client calls, so every call in the transcript has its result.
        for (const call of calls) {
          if (call.client) continue;
          const outcome = await this.#runTool(call);
          this.throwIfAborted();
          this.emit({
            type: 'tool.result',
            callId: call.id,
            name: call.name,
            result: outcome.output,
            isError: outcome.isError,
          });
          stepMessages.push({ role: 'tool', toolCallId: call.id, name: call.name, content: outcome.output });
        }
        produced.push(...stepMessages);
        const clientCalls = toolCalls.filter((_, i) => calls[i]!.client);
        if (clientCalls.length > 0) {
          this.clientCalls = clientCalls;
          stopReason = 'tool_calls';
          break;
        }
        if (step + 1 >= maxToolSteps) {
          stopReason = 'length';
          break;
        }
        if (messages === input.messages) messages = messages.slice();
        messages.push(...stepMessages);
        // A forced choice applies to the first step only, or the loop could never end.
        toolChoice = undefined;
      }

      if (!input.stateless) {
        this.commit();
        try {
          await store.appendTurn(this.sessionKey, this.agentId, fresh.concat(produced), this.usage);
        } catch (err) {
          if (err instanceof StoreUnavailableError) throw err;
          log.log('error', 'could not store the session turn', {
            runId: this.runId,
            sessionKey: this.sessionKey,
            error: String(err),
          });
          throw new RunFailure({ code: 'internal', message: 'could not store the session turn' });
        }
      }
      return stopReason;
    }

    /** A plain run: the client's messages and system text only, one model call, nothing stored. */
    async #plainTurn(): Promise<StopReason> {
      const { input } = this;
      const { reason } = await this.#modelStep(
        {
          system: input.extraSystemPrompt ?? '',
          messages: input.messages,
          tools: [],
          toolChoice: undefined,
          sampling: input.sampling ?? NO_SAMPLING,
          signal: this.signal,
        },
        new Set(),
        this.plan.plainModels,
      );
      return reason === 'length' ? 'length' : 'stop';
    }

    /** One model call, streamed out as events; returns what the model said. */
    async #modelStep(
      request: Parameters<typeof openModelStream>[2],
      clientNames: Set<string>,
      candidates: readonly ResolvedModel[] = this.plan.models,
    ): Promise<{ text: string; calls: PendingCall[]; reason: FinishReason }> {
      const started = performance.now();
      let opened: Awaited<ReturnType<typeof openModelStream>>;
      try {
        opened = await openModelStream(models, candidates, request, retry, log);
      } catch (err) {
        this.providerMs += performance.now() - started;
        throw err;
      }
      const firstTokenMs = performance.now() - started;
      this.model = opened.model.ref;
      let text = '';
      const calls: PendingCall[] = [];
      const byIndex = new Map<number, PendingCall>();
      const handle = (event: ModelEvent): FinishReason | undefined => {
        switch (event.type) {
          case 'text_delta': {
            if (event.delta === '') return undefined;
            // Text of a later step starts a new paragraph, so the reply reads the same streamed or whole.
            if (text === '' && this.text !== '' && !/\s$/.test(this.text)) this.#say('\n\n');
            text += event.delta;
            this.#say(event.delta);
            return undefined;
          }
          case 'toolcall_start': {
            const call: PendingCall = {
              id: event.id || newToolCallId(),
              name: event.name,
              args: '',
              client: clientNames.has(event.name),
            };
            byIndex.set(event.index, call);
            calls.push(call);
            this.emit({
              type: 'tool.start',
              index: event.index,
              callId: call.id,
              name: call.name,
              client: call.client,
            });
            return undefined;
          }
          case 'toolcall_delta': {
            const call = byIndex.get(event.index);
            if (call === undefined || event.delta === '') return undefined;
            call.args += event.delta;
            this.emit({ type: 'tool.args', index: event.index, callId: call.id, delta: event.delta });
            return undefined;
          }
          case 'done':
            this.usage = addUsage(this.usage, event.usage);
            return event.reason;
        }
      };
      try {
        let reason = handle(opened.first);
        while (reason === undefined) {
          let next: IteratorResult<ModelEvent>;
          try {
            next = await opened.rest.next();
          } catch (err) {
            this.throwIfAborted();
            throw failureAfterFirstEvent(err, opened.model);
          }
          if (next.done) throw failureAfterFirstEvent(new Error('stream ended before it was done'), opened.model);
          reason = handle(next.value);
        }
        return { text, calls, reason };
      } finally {
        const durationMs = performance.now() - started;
        this.providerMs += durationMs;
        metrics.modelCall(opened.model, firstTokenMs, durationMs);
        void opened.rest.return?.()?.catch(() => {});
      }
    }

    #say(delta: string): void {
      this.text += delta;
      this.emit({ type: 'assistant.delta', delta });
    }

    async #runTool(call: PendingCall): Promise<ToolOutcome> {
      const tool = this.plan.tools.get(call.name);
      if (tool === undefined) return toolError(`unknown tool: ${call.name}`);
      let args: unknown;
      try {
        args = call.args.trim() === '' ? {} : JSON.parse(call.args);
      } catch {
        return toolError('arguments are not valid JSON');
      }
      if (typeof args !== 'object' || args === null || Array.isArray(args))
        return toolError('arguments must be a JSON object');
      try {
        return await tool.run(args as Record<string, unknown>, {
          agent: this.plan.agent,
          workspace,
          signal: this.signal,
        });
      } catch (err) {
        log.log('warn', 'tool failed', { runId: this.runId, tool: call.name, error: String(err) });
        return toolError(`${call.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  function validate(input: RunInput, plan: AgentPlan): void {
    if (input.sessionKey === '') invalid('sessionKey must not be empty', 'sessionKey');
    if (input.messages.length === 0) invalid('messages must hold at least one message', 'messages');
    const names = new Set<string>();
    for (const tool of input.clientTools ?? []) {
      if (plan.tools.has(tool.name))
        invalid(`tool name "${tool.name}" is taken by a built-in tool of this agent`, 'tools');
      if (names.has(tool.name)) invalid(`tool name "${tool.name}" is declared twice`, 'tools');
      names.add(tool.name);
    }
    const choice = input.toolChoice;
    if (typeof choice === 'object' && !names.has(choice.name) && !plan.tools.has(choice.name)) {
      invalid(`tool_choice names an unknown tool "${choice.name}"`, 'tool_choice');
    }
    // The model's metadata lists its input modalities: a text-only model is never sent an image.
    const model = plan.models[0];
    if (model?.input !== undefined && !model.input.includes('image') && hasImage(input.messages)) {
      invalid(
        `model ${model.ref} accepts ${model.input.join(', ') || 'no'} input, not images; remove the image parts or use an agent whose model lists "image" in its input`,
        'messages',
      );
    }
  }

  return {
    start(input) {
      const plan = planFor(input.agentId);
      if (plan === undefined)
        throw new RunFailure({ code: 'unknown_agent', message: `unknown agent "${input.agentId}"` });
      validate(input, plan);
      if (!input.stateless && sharedLocks !== undefined && !sharedLocks.available()) {
        throw new RunFailure(storeUnavailable('session storage is unreachable'));
      }
      const runId = input.runId ?? `run_${globalThis.crypto.randomUUID()}`;
      if (active.has(runId)) invalid(`run id "${runId}" is already in use`, 'runId');
      const run = new AgentRun(runId, input.sessionKey, plan, input);
      const admitted = admission.admit(input.sessionKey, run.signal, input.stateless ? undefined : sharedLocks);
      active.set(runId, run);
      run.emit({ type: 'lifecycle.start', agentId: plan.agent.id, stateless: input.stateless });
      run.arm();
      void run.execute(admitted);
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

function storeUnavailable(detail: string): RunError {
  return {
    code: 'unavailable',
    message: `${detail}; try again shortly`,
    retryAfterMs: STORE_RETRY_AFTER_MS,
  };
}

function hasImage(messages: readonly ChatMessage[]): boolean {
  return messages.some(
    (m) => m.role === 'user' && typeof m.content !== 'string' && m.content.some((p) => p.type !== 'text'),
  );
}

function invalid(message: string, param: string): never {
  throw new RunFailure({ code: 'invalid_request', message, param });
}

function reasonText(reason: unknown): string | undefined {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message;
  return undefined;
}
