import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { SharedSessionLocks } from '../../agent/sharedLocks.js';
import type { AgentRuntime } from '../../agent/runtime.js';
import type { SharedRuns } from '../../agent/sharedRuns.js';
import type { RateLimitConfig, StorageConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import type { AuthMetrics } from '../../metrics/gatewayMetrics.js';
import { PostgresAuthLimiter } from './postgresAuthLimiter.js';
import { errorText, PostgresHealth } from './postgresHealth.js';
import { PostgresListener } from './postgresListener.js';
import { migratePostgres } from './postgresMigrations.js';
import { PostgresRuns } from './postgresRuns.js';
import { PostgresSessionLocks } from './postgresSessionLocks.js';
import { PostgresSessionStore } from './postgresSessionStore.js';
import { postgresUrlOf, redactUrl } from './postgresUrl.js';

/** PostgreSQL down (or refusing us) at start: the gateway exits with this, never with the password. */
export class PostgresStartError extends Error {
  override readonly name = 'PostgresStartError';
}

const CONNECT_TIMEOUT_MS = 5000;
/** Connections of the query pool; the rest of `maxConnections` (but the listener's) hold session locks. */
const QUERY_CONNECTIONS = 4;

export interface PostgresState {
  store: PostgresSessionStore;
  sharedLocks: SharedSessionLocks;
  limiter: PostgresAuthLimiter;
  browserLimiter: PostgresAuthLimiter;
  /** Starts recording this replica's keyed runs and answering other replicas' aborts. */
  watchRuns(runtime: AgentRuntime): SharedRuns;
  close(): Promise<void>;
}

function clientConfig(url: string): pg.ClientConfig {
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'openclaw-gateway' };
}

/**
 * pg emits 'error' on a client whose server goes away: on the pool for idle clients, on the client
 * itself when checked out (a session lock is, for a whole run). Unhandled, either would end the
 * process; both mark the server down instead, and the next query on that client fails as usual.
 */
function pool(url: string, max: number, health: () => PostgresHealth | undefined): pg.Pool {
  const p = new pg.Pool({ ...clientConfig(url), max, idleTimeoutMillis: 30_000 });
  const markDown = (err: Error): void => health()?.markDown(err);
  p.on('error', markDown);
  p.on('connect', (client) => client.on('error', markDown));
  return p;
}

/** Connects, migrates (safely when replicas start together) and builds every shared piece. */
export async function openPostgres(options: {
  storage: StorageConfig;
  env: NodeJS.ProcessEnv;
  rateLimit: RateLimitConfig;
  log: Logger;
  metrics?: AuthMetrics;
}): Promise<PostgresState> {
  const url = postgresUrlOf(options.storage, options.env);
  const where = redactUrl(url);
  const { log } = options;
  let health: PostgresHealth | undefined;
  const queries = pool(url, QUERY_CONNECTIONS, () => health);
  const locks = pool(url, Math.max(1, options.storage.maxConnections - QUERY_CONNECTIONS - 1), () => health);
  health = new PostgresHealth(queries, log, where);
  const listener = new PostgresListener(clientConfig(url), randomInt(1, 2 ** 31 - 1), health, log);
  const limiter = new PostgresAuthLimiter(
    queries,
    health,
    listener,
    options.rateLimit,
    log,
    'gateway',
    options.metrics,
  );
  const browserLimiter = new PostgresAuthLimiter(
    queries,
    health,
    listener,
    { ...options.rateLimit, exemptLoopback: false },
    log,
    'browser',
    options.metrics,
  );
  let closed = false;
  const closeAll = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    health?.close();
    await listener.close();
    await Promise.all([queries.end(), locks.end()]).catch(() => undefined);
  };
  try {
    const client = await queries.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
    await listener.start();
    await limiter.load();
    await browserLimiter.load();
  } catch (err) {
    await closeAll();
    throw new PostgresStartError(`cannot use PostgreSQL at ${where}: ${errorText(err)}`);
  }
  let runs: PostgresRuns | undefined;
  return {
    store: new PostgresSessionStore(queries, health, Date.now, closeAll),
    sharedLocks: new PostgresSessionLocks(locks, health),
    limiter,
    browserLimiter,
    watchRuns(runtime) {
      runs ??= new PostgresRuns(queries, health!, listener, runtime, log);
      return runs;
    },
    async close() {
      await closeAll();
    },
  };
}

/** A store alone, for `openclaw sessions`: no locks, no listener. */
export async function openPostgresSessionStore(storage: StorageConfig, env: NodeJS.ProcessEnv, log: Logger) {
  const url = postgresUrlOf(storage, env);
  const where = redactUrl(url);
  let health: PostgresHealth | undefined;
  const queries = pool(url, 2, () => health);
  health = new PostgresHealth(queries, log, where);
  try {
    const client = await queries.connect();
    try {
      await migratePostgres(client);
    } finally {
      client.release();
    }
  } catch (err) {
    await queries.end().catch(() => undefined);
    throw new PostgresStartError(`cannot use PostgreSQL at ${where}: ${errorText(err)}`);
  }
  let closed = false;
  return new PostgresSessionStore(queries, health, Date.now, async () => {
    if (closed) return;
    closed = true;
    await queries.end();
  });
}
