import type { GatewayConfig } from '../config/schema.js';
import { type GatewayStorage, inProcessStorage } from '../gatewayAssembly.js';
import type { Logger } from '../log.js';
import type { AuthMetrics } from '../metrics/gatewayMetrics.js';
import type { SessionStore } from '../sessions/store.js';
import { openSqliteSessionStore } from './sessions/sqliteStore.js';

export async function openGatewayStorage(
  config: GatewayConfig,
  stateDir: string,
  env: NodeJS.ProcessEnv,
  log: Logger,
  metrics: AuthMetrics,
): Promise<GatewayStorage> {
  if (config.storage.driver === 'sqlite') return inProcessStorage(openSqliteSessionStore(stateDir), config, metrics);
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
