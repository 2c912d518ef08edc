import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import { defineMethod } from './method.js';

/** Aborts the key's runs here and, when replicas share PostgreSQL, on every other replica. */
async function abortRunsOn(ctx: GatewayContext, key: string, reason: string): Promise<string[]> {
  const aborted: string[] = [];
  for (const run of [...ctx.runtime.activeRuns()]) {
    if (run.sessionKey === key && ctx.runtime.abortRun(run.runId, reason)) aborted.push(run.runId);
  }
  if (ctx.sharedRuns !== undefined) aborted.push(...(await ctx.sharedRuns.abortElsewhere(key, undefined, reason)));
  return aborted;
}

/** One row of `sessions.list`. */
export interface SessionRow {
  key: string;
  kind: 'direct';
  agentId: string;
  sessionId: string;
  createdAt: number;
  updatedAt: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  totalTokens: number;
  messageCount: number;
  /** A run is going on this session now. */
  active: boolean;
}

export interface SessionsListResult {
  ts: number;
  count: number;
  defaults: { defaultAgentId: string; mainKey: string };
  sessions: SessionRow[];
}

export interface SessionsResetResult {
  ok: true;
  key: string;
  reset: boolean;
  abortedRuns: string[];
  sessionId?: string;
}

export interface SessionsDeleteResult {
  ok: true;
  key: string;
  deleted: boolean;
  abortedRuns: string[];
}

export const sessionsListMethod = defineMethod({
  name: 'sessions.list',
  scope: 'read',
  params: z
    .object({
      limit: z.number().int().min(1).max(10_000).optional(),
      agentId: z.string().min(1).optional(),
      search: z.string().optional(),
      activeMinutes: z.number().int().min(1).optional(),
    })
    .optional(),
  async handle(params, { ctx }): Promise<SessionsListResult> {
    const now = Date.now();
    const active = new Set([...ctx.runtime.activeRuns()].map((r) => r.sessionKey));
    let records = await ctx.store.list(params?.agentId !== undefined ? { agentId: params.agentId } : {});
    if (params?.search) {
      const needle = params.search.toLowerCase();
      records = records.filter((r) => r.key.toLowerCase().includes(needle));
    }
    if (params?.activeMinutes !== undefined) {
      const since = now - params.activeMinutes * 60_000;
      records = records.filter((r) => r.updatedAt >= since);
    }
    records.sort((a, b) => b.updatedAt - a.updatedAt);
    if (params?.limit !== undefined) records = records.slice(0, params.limit);
    return {
      ts: now,
      count: records.length,
      defaults: { defaultAgentId: ctx.agents.defaultId, mainKey: 'main' },
      sessions: records.map(
        (r): SessionRow => ({
          key: r.key,
          kind: 'direct',
          agentId: r.agentId,
          sessionId: r.sessionId,
          createdAt: r.createdAt,
          updatedAt: r.updatedAt,
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          cachedTokens: r.cachedTokens,
          totalTokens: r.inputTokens + r.outputTokens,
          messageCount: r.messageCount,
          active: active.has(r.key),
        }),
      ),
    };
  },
});

export const sessionsResetMethod = defineMethod({
  name: 'sessions.reset',
  scope: 'write',
  params: z.object({ key: z.string().min(1), reason: z.string().optional() }),
  async handle(params, { ctx }): Promise<SessionsResetResult> {
    const abortedRuns = await abortRunsOn(ctx, params.key, 'sessions.reset');
    const reset = await ctx.store.reset(params.key);
    const stored = reset ? await ctx.store.load(params.key) : null;
    return {
      ok: true,
      key: params.key,
      reset,
      abortedRuns,
      ...(stored ? { sessionId: stored.session.sessionId } : {}),
    };
  },
});

export const sessionsDeleteMethod = defineMethod({
  name: 'sessions.delete',
  scope: 'write',
  params: z.object({ key: z.string().min(1), deleteTranscript: z.boolean().optional() }),
  async handle(params, { ctx }): Promise<SessionsDeleteResult> {
    const abortedRuns = await abortRunsOn(ctx, params.key, 'sessions.delete');
    const deleted = await ctx.store.delete(params.key);
    return { ok: true, key: params.key, deleted, abortedRuns };
  },
});
