import type { SharedSessionLocks } from '../agent/sharedLocks.js';
import type { AgentRuntime } from '../agent/runtime.js';
import type { SharedRuns } from '../agent/sharedRuns.js';
import { AuthRateLimiter, type FailedAuthLimiter } from '../auth/rateLimiter.js';
import type { GatewayConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { AuthMetrics } from '../metrics/gatewayMetrics.js';
import type { SessionStore } from '../sessions/store.js';
import { openSqliteSessionStore } from './sessions/sqliteStore.js';

/** Where a gateway's state lives, per `storage.driver`; closing the store closes all of it. */
export interface GatewayStorage {
  store: SessionStore;
  limiter: FailedAuthLimiter;
  browserLimiter: FailedAuthLimiter;
  /** Present with PostgreSQL only: the in-process queue and run registry need no help alone. */
  sharedLocks?: SharedSessionLocks;
  watchRuns?: (runtime: AgentRuntime) => SharedRuns;
}

export async function openGatewayStorage(
  config: GatewayConfig,
  stateDir: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  metrics: AuthMetrics,
): Promise<GatewayStorage> {
  if (config.storage.driver === 'sqlite') {
    const rateLimit = config.gateway.auth.rateLimit;
    return {
      store: openSqliteSessionStore(stateDir),
      limiter: new AuthRateLimiter(rateLimit, Date.now, metrics),
      browserLimiter: new AuthRateLimiter({ ...rateLimit, exemptLoopback: false }, Date.now, metrics),
    };
  }
  // Loaded only when configured: the embedded gateway never loads pg.
  const { openPostgres } = await import('./pg/openPostgres.js');
  return openPostgres({ storage: config.storage, env, rateLimit: config.gateway.auth.rateLimit, log, metrics });
}

/** The session store alone, for `openclaw sessions`. */
export async function openSessionStoreOnly(
  config: GatewayConfig,
  stateDir: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<SessionStore> {
  if (config.storage.driver === 'sqlite') return openSqliteSessionStore(stateDir);
  const { openPostgresSessionStore } = await import('./pg/openPostgres.js');
  return openPostgresSessionStore(config.storage, env, log);
}
