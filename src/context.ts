import type { AgentRegistry } from './agent/agents.js';
import type { AgentRuntime } from './agent/runtime.js';
import type { FailedAuthLimiter } from './auth/rateLimiter.js';
import type { ResolvedAuth } from './auth/resolve.js';
import type { GatewayConfig } from './config/schema.js';
import type { IdempotencyStore } from './idempotency/answerStore.js';
import type { Logger } from './log.js';
import type { SharedRuns } from './agent/sharedRuns.js';
import type { GatewayMetrics } from './metrics/gatewayMetrics.js';
import type { ModelRegistry } from './providers/types.js';
import type { SessionStore } from './sessions/store.js';

/** Everything a transport needs, built once at startup. */
export interface GatewayContext {
  config: GatewayConfig;
  auth: ResolvedAuth;
  /** Failed-auth limiter per address. */
  limiter: FailedAuthLimiter;
  /** Failed-auth limiter per browser origin and address; never exempts loopback. */
  browserLimiter: FailedAuthLimiter;
  agents: AgentRegistry;
  runtime: AgentRuntime;
  /** Provider models by `provider/model` ref (embeddings call them outside a run). */
  models: ModelRegistry;
  store: SessionStore;
  /** Keyed runs of every replica (PostgreSQL); undefined when this process is the only one. */
  sharedRuns?: SharedRuns;
  log: Logger;
  /** Live figures every transport records into; `/metrics` and WS `status` read them. */
  metrics: GatewayMetrics;
  /** First answers kept for `Idempotency-Key` retries. */
  idempotency: IdempotencyStore;
  version: string;
  startedAt: number;
  /** True once the listener is up; /readyz reports it. */
  ready: () => boolean;
  /** Set when a graceful stop has begun. */
  shuttingDown: () => boolean;
  /** Called once when a graceful stop begins (WS sends `shutdown` to its clients). */
  onShutdown: (listener: (info: { reason: string }) => void) => () => void;
}
