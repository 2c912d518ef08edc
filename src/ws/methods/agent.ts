import { z } from 'zod';
import { RunFailure, type RunResult } from '../../agent/events.js';
import type { RunHandle, RunInput } from '../../agent/runtime.js';
import type { SharedRun } from '../../agent/sharedRuns.js';
import type { GatewayContext } from '../../context.js';
import { StoreUnavailableError } from '../../sessions/store.js';
import { agentFinal, runErrorShape, type AgentFinal } from '../agentReply.js';
import { resolveAgentTarget } from '../agentTarget.js';
import { GatewayError } from '../errorCodes.js';
import type { AgentRunEntry } from '../gatewayHub.js';
import { outcomeOf, type RunOutcome, type RunTracker } from '../runTracker.js';
import { defineMethod } from './method.js';

/** OpenClaw's AgentParamsSchema: unknown keys are refused; delivery/channel fields are accepted and unused here. */
export const agentParamsSchema = z.strictObject({
  message: z.string().min(1),
  idempotencyKey: z.string().min(1).max(256),
  agentId: z.string().min(1).max(128).optional(),
  sessionKey: z.string().min(1).optional(),
  sessionId: z.string().optional(),
  thinking: z.string().optional(),
  deliver: z.boolean().optional(),
  attachments: z.array(z.unknown()).optional(),
  channel: z.string().optional(),
  replyChannel: z.string().optional(),
  to: z.string().optional(),
  replyTo: z.string().optional(),
  accountId: z.string().optional(),
  threadId: z.union([z.string(), z.number()]).optional(),
  groupId: z.string().optional(),
  /** Seconds. */
  timeout: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
  lane: z.string().optional(),
  extraSystemPrompt: z.string().optional(),
  label: z.string().optional(),
  spawnedBy: z.string().optional(),
  inputProvenance: z.unknown().optional(),
});

export function refuseWhileShuttingDown(ctx: GatewayContext): void {
  if (ctx.shuttingDown()) {
    throw new GatewayError({
      code: 'UNAVAILABLE',
      message: 'gateway is shutting down',
      details: { code: 'SHUTTING_DOWN' },
      retryable: true,
    });
  }
}

/**
 * Takes the idempotency key across replicas (when they share PostgreSQL): resolves with the run
 * another replica already holds under it, or undefined when this one may start it.
 */
export async function claimShared(
  ctx: GatewayContext,
  run: { runId: string; sessionKey: string; agentId: string },
): Promise<SharedRun | undefined> {
  if (ctx.sharedRuns === undefined) return undefined;
  try {
    return await ctx.sharedRuns.claim(run);
  } catch (err) {
    if (!(err instanceof StoreUnavailableError)) throw err;
    throw new GatewayError({
      code: 'UNAVAILABLE',
      message: err.message,
      details: { code: 'STORAGE_UNAVAILABLE' },
      retryable: true,
      retryAfterMs: 2000,
    });
  }
}

/** Starts a run or turns the runtime's refusal into a wire error. */
export function startRun(ctx: GatewayContext, input: RunInput): RunHandle {
  try {
    return ctx.runtime.start(input);
  } catch (err) {
    if (input.runId !== undefined) ctx.sharedRuns?.unclaim(input.runId);
    if (err instanceof RunFailure) throw new GatewayError(runErrorShape(err.error));
    throw err;
  }
}

/** The handle's events are consumed elsewhere (broadcast via subscribe); drain the single-consumer stream. */
export function drain(handle: RunHandle): void {
  void (async () => {
    for await (const _event of handle.events);
  })().catch(() => undefined);
}

/** Aborts the run after `ms`, reporting whether it did. */
export function runDeadline(handle: RunHandle, ms: number | undefined): { fired: () => boolean; clear: () => void } {
  if (ms === undefined || ms <= 0) return { fired: () => false, clear: () => undefined };
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
    handle.abort('timeout');
  }, ms);
  return { fired: () => fired, clear: () => clearTimeout(timer) };
}

function finalOrThrow(final: AgentFinal): unknown {
  if (final.ok) return final.payload;
  throw new GatewayError(final.error, final.payload);
}

export const agentMethod = defineMethod({
  name: 'agent',
  scope: 'write',
  params: agentParamsSchema,
  async handle(params, call) {
    const { ctx, hub } = call;
    const existing = hub.agentRuns.get(params.idempotencyKey);
    if (existing) {
      if (existing.settled) return finalOrThrow(existing.settled);
      call.accept(accepted(existing));
      return finalOrThrow(await existing.final);
    }
    refuseWhileShuttingDown(ctx);
    const target = resolveAgentTarget(ctx.agents, params);
    const elsewhere = await claimShared(ctx, { runId: params.idempotencyKey, ...target });
    if (elsewhere) {
      call.accept(accepted({ ...elsewhere, acceptedAt: elsewhere.startedAt }));
      return finalOrThrow(agentFinal(await endOf(ctx, elsewhere)));
    }
    const handle = startRun(ctx, {
      agentId: target.agentId,
      sessionKey: target.sessionKey,
      stateless: false,
      messages: [{ role: 'user', content: params.message }],
      runId: params.idempotencyKey,
      ...(params.extraSystemPrompt ? { extraSystemPrompt: params.extraSystemPrompt } : {}),
    });
    drain(handle);
    const deadline = runDeadline(handle, params.timeout !== undefined ? params.timeout * 1000 : undefined);
    const final = handle.result.then((result): AgentFinal => {
      deadline.clear();
      hub.tracker.settle(result.runId, outcomeOf(result));
      const f = agentFinal(result);
      if (!deadline.fired()) return f;
      const message = `agent run timed out after ${params.timeout}s`;
      return {
        ok: false,
        payload: { ...f.payload, status: 'error', summary: message },
        error: { code: 'AGENT_TIMEOUT', message },
      };
    });
    const entry: AgentRunEntry = {
      runId: handle.runId,
      sessionKey: handle.sessionKey,
      agentId: handle.agentId,
      acceptedAt: Date.now(),
      final,
    };
    void final.then((f) => {
      entry.settled = f;
    });
    hub.agentRuns.set(params.idempotencyKey, entry);
    call.accept(accepted(entry));
    return finalOrThrow(await final);
  },
});

/** The result of a run held by another replica, however long it takes. */
async function endOf(ctx: GatewayContext, run: SharedRun): Promise<RunResult> {
  for (;;) {
    if (run.result !== undefined) return run.result;
    run = (await ctx.sharedRuns!.waitForEnd(run.runId, 3600_000)) ?? run;
  }
}

function accepted(entry: Pick<AgentRunEntry, 'runId' | 'sessionKey' | 'agentId' | 'acceptedAt'>): unknown {
  return {
    runId: entry.runId,
    sessionKey: entry.sessionKey,
    agentId: entry.agentId,
    status: 'accepted',
    acceptedAt: entry.acceptedAt,
  };
}

const DEFAULT_WAIT_MS = 30_000;

export const agentWaitMethod = defineMethod({
  name: 'agent.wait',
  scope: 'read',
  params: z.object({
    runId: z.string().min(1),
    timeoutMs: z.number().int().min(0).max(3600_000).optional(),
  }),
  async handle(params, { ctx, hub }) {
    const timeoutMs = params.timeoutMs ?? DEFAULT_WAIT_MS;
    const outcome = await waitAnywhere(ctx, hub.tracker, params.runId, timeoutMs);
    if (outcome) return { runId: params.runId, ...outcome };
    const active = [...ctx.runtime.activeRuns()].find((r) => r.runId === params.runId);
    return { runId: params.runId, status: 'timeout', ...(active ? { startedAt: active.startedAt } : {}) };
  },
});

/** The run's end as seen here, or on any replica when they share PostgreSQL; whichever comes first. */
async function waitAnywhere(
  ctx: GatewayContext,
  tracker: RunTracker,
  runId: string,
  timeoutMs: number,
): Promise<RunOutcome | undefined> {
  const local = tracker.wait(runId, timeoutMs);
  const shared = ctx.sharedRuns;
  if (shared === undefined || tracker.outcome(runId) !== undefined) return local;
  const stop = new AbortController();
  const elsewhere = shared.waitForEnd(runId, timeoutMs, stop.signal).then(
    (run) => (run?.result !== undefined ? outcomeOf(run.result) : local),
    () => local,
  );
  try {
    return await Promise.race([local.then((o) => o ?? elsewhere), elsewhere]);
  } finally {
    stop.abort();
  }
}
