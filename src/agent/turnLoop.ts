import type { Logger } from '../log.js';
import type { ChatMessage, ToolCall, ToolChoice } from '../messages.js';
import type { RunMetrics } from '../metrics/gatewayMetrics.js';
import type { ModelEvent, ModelRegistry, ResolvedModel } from '../providers/types.js';
import { type SessionStore, StoreUnavailableError } from '../sessions/store.js';
import type { AgentPlan } from './agentPlan.js';
import { mergeConversation } from './conversation.js';
import { RunFailure, type RunEventBody, type StopReason } from './events.js';
import { failureAfterFirstEvent, type OpenedModelStream, openModelStream, type RetryPolicy } from './modelCall.js';
import type { RunInput } from './runtime.js';
import { composeSystemPrompt, type SystemPrompts } from './systemPrompt.js';
import { executeToolCall } from './tools/executeToolCall.js';
import type { ModelStep, TurnFold } from './turnFold.js';
import type { WorkspaceFiles } from './workspace.js';

/** What the model/tool loop uses besides its run. */
export interface TurnDeps {
  models: ModelRegistry;
  store: SessionStore;
  workspace: WorkspaceFiles;
  prompts: SystemPrompts;
  retry: RetryPolicy;
  maxToolSteps: number;
  log: Logger;
  metrics: RunMetrics;
}

/** The run a turn belongs to, as the loop sees it. */
export interface TurnHost {
  readonly runId: string;
  readonly sessionKey: string;
  readonly agentId: string;
  readonly input: RunInput;
  readonly plan: AgentPlan;
  readonly fold: TurnFold;
  readonly signal: AbortSignal;
  /** `provider/model` of the last model that answered. */
  model: string | undefined;
  /** Wall time spent on model calls so far, ms. */
  providerMs: number;
  /** Calls left for the client, when the turn ends on them. */
  clientCalls: ToolCall[];
  emit(body: RunEventBody): void;
  emitAll(bodies: readonly RunEventBody[]): void;
  throwIfAborted(): void;
  /** From here on the run cannot be aborted: the turn is being stored. */
  commit(): void;
}

const NO_SAMPLING = Object.freeze({});

/** The model/tool loop of one turn; resolves with how it stopped, after storing it. */
export async function runTurn(run: TurnHost, deps: TurnDeps): Promise<StopReason> {
  const { input, plan } = run;
  if (input.plain) return plainTurn(run, deps);
  const system = composeSystemPrompt(await deps.prompts.base(plan.agent), input.extraSystemPrompt);
  let messages: ChatMessage[];
  let fresh: ChatMessage[];
  if (input.stateless) {
    messages = fresh = input.messages;
  } else {
    const stored = await deps.store.load(run.sessionKey);
    ({ context: messages, fresh } = mergeConversation(stored?.messages ?? [], input.messages, run.fold.clientTools));
  }
  run.throwIfAborted();

  const clientTools = input.toolChoice === 'none' ? [] : (input.clientTools ?? []);
  const tools = clientTools.length === 0 ? plan.toolSpecs : [...plan.toolSpecs, ...clientTools];
  let toolChoice: ToolChoice | undefined =
    tools.length === 0 || input.toolChoice === 'none' ? undefined : input.toolChoice;
  const produced: ChatMessage[] = [];
  let stopReason: StopReason;

  for (let step = 0; ; step++) {
    const { text, calls, reason } = await modelStep(run, deps, {
      system,
      messages,
      tools,
      toolChoice,
      sampling: input.sampling ?? NO_SAMPLING,
      signal: run.signal,
    });
    if (reason === 'length' || calls.length === 0) {
      produced.push({ role: 'assistant', content: text });
      stopReason = reason === 'length' ? 'length' : 'stop';
      break;
    }
    const toolCalls = calls.map((c) => ({ id: c.id, name: c.name, arguments: c.args }));
    const stepMessages: ChatMessage[] = [{ role: 'assistant', content: text === '' ? null : text, toolCalls }];
    // Server calls run even when the turn also holds client calls, so every call in the transcript has its result.
    for (const call of toolCalls) {
      if (run.fold.clientTools.has(call.name)) continue;
      const context = { agent: plan.agent, workspace: deps.workspace, signal: run.signal };
      const outcome = await executeToolCall(plan.tools, call, context, deps.log, run.runId);
      run.throwIfAborted();
      run.emit({
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
      run.clientCalls = clientCalls;
      stopReason = 'tool_calls';
      break;
    }
    if (step + 1 >= deps.maxToolSteps) {
      stopReason = 'length';
      break;
    }
    if (messages === input.messages) messages = messages.slice();
    messages.push(...stepMessages);
    // A forced choice applies to the first step only, or the loop could never end.
    toolChoice = undefined;
  }

  if (!input.stateless) await storeTurn(run, deps, fresh.concat(produced));
  return stopReason;
}

/** A plain run: the client's messages and system text only, one model call, nothing stored. */
async function plainTurn(run: TurnHost, deps: TurnDeps): Promise<StopReason> {
  const { input } = run;
  const { reason } = await modelStep(
    run,
    deps,
    {
      system: input.extraSystemPrompt ?? '',
      messages: input.messages,
      tools: [],
      toolChoice: undefined,
      sampling: input.sampling ?? NO_SAMPLING,
      signal: run.signal,
    },
    run.plan.plainModels,
  );
  return reason === 'length' ? 'length' : 'stop';
}

async function storeTurn(run: TurnHost, deps: TurnDeps, turn: ChatMessage[]): Promise<void> {
  run.commit();
  try {
    await deps.store.appendTurn(run.sessionKey, run.agentId, turn, run.fold.usage);
  } catch (err) {
    if (err instanceof StoreUnavailableError) throw err;
    deps.log.log('error', 'could not store the session turn', {
      runId: run.runId,
      sessionKey: run.sessionKey,
      error: String(err),
    });
    throw new RunFailure({ code: 'internal', message: 'could not store the session turn' });
  }
}

/** One model call, its events folded into the turn and streamed out; returns what the model said. */
async function modelStep(
  run: TurnHost,
  deps: TurnDeps,
  request: Parameters<typeof openModelStream>[2],
  candidates: readonly ResolvedModel[] = run.plan.models,
): Promise<ModelStep> {
  const { fold } = run;
  const started = performance.now();
  let opened: OpenedModelStream;
  try {
    opened = await openModelStream(deps.models, candidates, request, deps.retry, deps.log);
  } catch (err) {
    run.providerMs += performance.now() - started;
    throw err;
  }
  const firstTokenMs = performance.now() - started;
  run.model = opened.model.ref;
  fold.beginStep();
  try {
    run.emitAll(fold.apply(opened.first));
    while (!fold.stepDone) {
      let next: IteratorResult<ModelEvent>;
      try {
        next = await opened.rest.next();
      } catch (err) {
        run.throwIfAborted();
        throw failureAfterFirstEvent(err, opened.model);
      }
      if (next.done) throw failureAfterFirstEvent(new Error('stream ended before it was done'), opened.model);
      run.emitAll(fold.apply(next.value));
    }
    return fold.step!;
  } finally {
    const durationMs = performance.now() - started;
    run.providerMs += durationMs;
    deps.metrics.modelCall(opened.model, firstTokenMs, durationMs);
    void opened.rest.return?.()?.catch(() => {});
  }
}
