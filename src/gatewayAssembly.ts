import { buildAgentRegistry } from './agent/agents.js';
import { createAgentRuntime } from './agent/agentRuntime.js';
import type { WorkspaceFiles } from './agent/workspace.js';
import type { AgentRuntime } from './agent/runtime.js';
import type { SharedSessionLocks } from './agent/sharedLocks.js';
import type { SharedRuns } from './agent/sharedRuns.js';
import { AuthRateLimiter, type FailedAuthLimiter } from './auth/rateLimiter.js';
import { resolveAuth } from './auth/resolve.js';
import type { GatewayConfig } from './config/schema.js';
import type { GatewayContext } from './context.js';
import { MemoryIdempotencyStore } from './idempotency/answerStore.js';
import type { Logger } from './log.js';
import { type AuthMetrics, GatewayMetrics } from './metrics/gatewayMetrics.js';
import { createModelRegistry } from './providers/registry.js';
import type { SessionStore } from './sessions/store.js';
import { VERSION } from './version.js';

/** What only the runtime can give: storage, files, the providers' fetch and a source of secrets. */
export interface GatewayParts {
  config: GatewayConfig;
  /** The state dir, where an agent without a workspace of its own gets `workspace-<id>` (OpenClaw's rule). */
  stateDir?: string;
  env: Record<string, string | undefined>;
  log: Logger;
  /** Opened once the config has passed its own checks, so a refused config leaves nothing open. */
  openStorage: (metrics: AuthMetrics) => Promise<GatewayStorage>;
  workspace: WorkspaceFiles;
  /** The fetch the provider SDKs send with; the global fetch when unset. */
  fetch?: typeof fetch;
  /** A fresh gateway token, for a config that sets none. */
  generateToken: () => string;
}

/** Where a gateway's state lives, per `storage.driver`; closing the store closes all of it. */
export interface GatewayStorage {
  store: SessionStore;
  limiter: FailedAuthLimiter;
  browserLimiter: FailedAuthLimiter;
  /** Present with PostgreSQL only: the in-process queue and run registry need no help alone. */
  sharedLocks?: SharedSessionLocks;
  watchRuns?: (runtime: AgentRuntime) => SharedRuns;
}

/** State held by this process alone: a store, and failed-auth limiters in memory. */
export function inProcessStorage(store: SessionStore, config: GatewayConfig, metrics: AuthMetrics): GatewayStorage {
  const rateLimit = config.gateway.auth.rateLimit;
  return {
    store,
    limiter: new AuthRateLimiter(rateLimit, Date.now, metrics),
    browserLimiter: new AuthRateLimiter({ ...rateLimit, exemptLoopback: false }, Date.now, metrics),
  };
}

export interface ContextControls {
  ctx: GatewayContext;
  markReady(): void;
  /** Flags the stop and tells every onShutdown listener once. */
  beginShutdown(reason: string): void;
}

/** Builds everything a transport needs, once: the only place config is turned into live objects. */
export async function assembleGateway(parts: GatewayParts): Promise<ContextControls> {
  const { config, env, log } = parts;
  const auth = resolveAuth(config, env, parts.generateToken);
  const agents = buildAgentRegistry(config, parts.stateDir === undefined ? {} : { stateDir: parts.stateDir });
  const models = createModelRegistry(config, env, parts.fetch === undefined ? {} : { fetch: parts.fetch });
  const metrics = new GatewayMetrics();
  const storage = await parts.openStorage(metrics);
  const { store } = storage;
  const runtime = createAgentRuntime({
    agents,
    models,
    store,
    ...(storage.sharedLocks ? { sharedLocks: storage.sharedLocks } : {}),
    workspace: parts.workspace,
    defaults: config.agents.defaults,
    log,
    metrics,
  });
  const sharedRuns = storage.watchRuns?.(runtime);
  let ready = false;
  let stopping = false;
  const shutdownListeners = new Set<(info: { reason: string }) => void>();
  const ctx: GatewayContext = {
    config,
    auth,
    limiter: storage.limiter,
    browserLimiter: storage.browserLimiter,
    agents,
    runtime,
    models,
    store,
    ...(sharedRuns ? { sharedRuns } : {}),
    log,
    metrics,
    idempotency: new MemoryIdempotencyStore({
      ttlMs: config.gateway.http.idempotency.ttlSeconds * 1000,
      maxEntries: config.gateway.http.idempotency.maxEntries,
    }),
    version: VERSION,
    startedAt: Date.now(),
    ready: () => ready,
    shuttingDown: () => stopping,
    onShutdown(listener) {
      shutdownListeners.add(listener);
      return () => shutdownListeners.delete(listener);
    },
  };
  return {
    ctx,
    markReady: () => {
      ready = true;
    },
    beginShutdown(reason) {
      if (stopping) return;
      stopping = true;
      for (const listener of shutdownListeners) {
        try {
          listener({ reason });
        } catch (err) {
          log.log('warn', 'shutdown listener failed', { error: String(err) });
        }
      }
    },
  };
}
