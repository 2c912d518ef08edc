import { z } from 'zod';
import type { GatewayContext } from '../../context.js';
import type { SessionRecord } from '../../sessions/store.js';
import { defineMethod } from './method.js';

const RECENT = 5;

export interface HealthSnapshot {
  ok: boolean;
  ts: number;
  durationMs: number;
  version: string;
  uptimeMs: number;
  shuttingDown: boolean;
  defaultAgentId: string;
  activeRuns: number;
  agents: { agentId: string; name: string; isDefault: boolean; sessions: SessionSummary }[];
  sessions: SessionSummary;
}

interface SessionSummary {
  count: number;
  recent: { key: string; updatedAt: number; age: number }[];
}

/** The gateway's health, as `health`, `hello-ok`'s snapshot and `openclaw health` show it. */
export async function healthSnapshot(ctx: GatewayContext): Promise<HealthSnapshot> {
  const started = Date.now();
  const sessions = await ctx.store.list();
  const now = Date.now();
  const summary = (records: SessionRecord[]): SessionSummary => ({
    count: records.length,
    recent: [...records]
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, RECENT)
      .map((s) => ({ key: s.key, updatedAt: s.updatedAt, age: Math.max(0, now - s.updatedAt) })),
  });
  const shuttingDown = ctx.shuttingDown();
  return {
    ok: !shuttingDown,
    ts: now,
    durationMs: now - started,
    version: ctx.version,
    uptimeMs: now - ctx.startedAt,
    shuttingDown,
    defaultAgentId: ctx.agents.defaultId,
    activeRuns: [...ctx.runtime.activeRuns()].length,
    agents: ctx.agents.list.map((a) => ({
      agentId: a.id,
      name: a.name,
      isDefault: a.id === ctx.agents.defaultId,
      sessions: summary(sessions.filter((s) => s.agentId === a.id)),
    })),
    sessions: summary(sessions),
  };
}

const noParams = z.object({}).optional();

/** The figures a dashboard charts over time; the same numbers `/metrics` exposes. */
export function liveFigures(ctx: GatewayContext) {
  const runs = ctx.runtime.counts();
  const m = ctx.metrics;
  return {
    requestsPerMinute: m.requestsPerMinute(performance.now()),
    activeRuns: runs.active,
    queuedRuns: runs.queued,
    wsClients: m.wsConnections,
    sseStreams: m.sseStreams,
    authFailures: m.authFailures,
    authLockouts: m.authLockouts,
  };
}

export type LiveFigures = ReturnType<typeof liveFigures>;

/** `status` result. */
export interface StatusResult {
  version: string;
  startedAt: number;
  uptimeMs: number;
  ready: boolean;
  shuttingDown: boolean;
  gateway: { port: number; bind: string; authMode: string };
  /** Connected WebSocket clients. */
  connections: number;
  defaultAgentId: string;
  agents: string[];
  activeRuns: { runId: string; sessionKey: string; agentId: string; startedAt: number }[];
  sessions: { count: number };
  /** Live figures for charts: requests per minute, runs, clients. */
  load: LiveFigures;
}

export const healthMethod = defineMethod({
  name: 'health',
  scope: 'read',
  params: noParams,
  handle: (_params, { ctx }) => healthSnapshot(ctx),
});

export const statusMethod = defineMethod({
  name: 'status',
  scope: 'read',
  params: noParams,
  async handle(_params, { ctx, hub }): Promise<StatusResult> {
    const sessions = await ctx.store.list();
    const now = Date.now();
    return {
      version: ctx.version,
      startedAt: ctx.startedAt,
      uptimeMs: now - ctx.startedAt,
      ready: ctx.ready(),
      shuttingDown: ctx.shuttingDown(),
      gateway: { port: ctx.config.gateway.port, bind: ctx.config.gateway.bind, authMode: ctx.auth.mode },
      connections: [...hub.connections].filter((c) => c.connected).length,
      defaultAgentId: ctx.agents.defaultId,
      agents: ctx.agents.list.map((a) => a.id),
      activeRuns: [...ctx.runtime.activeRuns()],
      sessions: { count: sessions.length },
      load: liveFigures(ctx),
    };
  },
});
