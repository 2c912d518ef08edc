import { randomBytes } from 'node:crypto';
import { buildAgentRegistry } from '../agent/agents.js';
import { createAgentRuntime } from '../agent/agentRuntime.js';
import { resolveAuth } from '../auth/resolve.js';
import type { GatewayConfig } from '../config/schema.js';
import type { GatewayContext } from '../context.js';
import type { Logger } from '../log.js';
import { GatewayMetrics } from '../metrics/gatewayMetrics.js';
import { MemoryIdempotencyStore } from '../idempotency/answerStore.js';
import { createModelRegistry } from '../providers/registry.js';
import { VERSION } from '../version.js';
import { openGatewayStorage } from './storage.js';
import { nodeWorkspaceFiles } from './workspaceFiles.js';

export interface ContextOptions {
  config: GatewayConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

export interface ContextControls {
  ctx: GatewayContext;
  markReady(): void;
  /** Flags the stop and tells every onShutdown listener once. */
  beginShutdown(reason: string): void;
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** undici's fetch for the provider SDKs, loaded with the first model call rather than at start-up. */
function providerFetch(): typeof fetch {
  let loaded: typeof fetch | undefined;
  let loading: Promise<typeof fetch> | undefined;
  return (input, init) => {
    if (loaded !== undefined) return loaded(input, init);
    loading ??= import('./undiciFetch.js').then((m) => (loaded = m.createUndiciFetch()));
    return loading.then((f) => f(input, init));
  };
}

/** Builds everything a transport needs, once: the only place config is turned into live objects. */
export async function createGatewayContext(options: ContextOptions): Promise<GatewayContext> {
  return (await createContextControls(options)).ctx;
}

export async function createContextControls({ config, stateDir, env, log }: ContextOptions): Promise<ContextControls> {
  const auth = resolveAuth(config, env, generateToken);
  const agents = buildAgentRegistry(config);
  const models = createModelRegistry(config, env, { fetch: providerFetch() });
  const metrics = new GatewayMetrics();
  const storage = await openGatewayStorage(config, stateDir, env, log, metrics);
  const { store } = storage;
  const runtime = createAgentRuntime({
    agents,
    models,
    store,
    ...(storage.sharedLocks ? { sharedLocks: storage.sharedLocks } : {}),
    workspace: nodeWorkspaceFiles,
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
