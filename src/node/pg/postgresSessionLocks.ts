import type pg from 'pg';
import type { SharedLock, SharedSessionLocks } from '../../agent/sharedLocks.js';
import type { PostgresHealth } from './postgresHealth.js';

/** Advisory-lock namespace of session keys (the key itself is hashed into the second int). */
const SESSION_LOCK_NAMESPACE = 0x0c1b;

/**
 * One run at a time per session key across replicas: a session-level advisory lock held on a
 * connection of its own for the whole run. PostgreSQL queues lock waiters in arrival order, and
 * drops the lock with the connection, so a replica killed mid-run frees its keys at once.
 * Two keys whose hashes collide share a line; that costs concurrency, never correctness.
 */
export class PostgresSessionLocks implements SharedSessionLocks {
  constructor(
    private readonly pool: pg.Pool,
    private readonly health: PostgresHealth,
  ) {}

  available(): boolean {
    return this.health.available;
  }

  async acquire(key: string, signal: AbortSignal): Promise<SharedLock> {
    signal.throwIfAborted();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.health.failure(err);
    }
    let released = false;
    const drop = (destroy: boolean): void => {
      if (released) return;
      released = true;
      client.release(destroy);
    };
    // Closing the connection is the one way to take a waiter out of PostgreSQL's lock queue.
    const onAbort = (): void => drop(true);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) throw signal.reason;
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [SESSION_LOCK_NAMESPACE, key]);
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      drop(true);
      if (signal.aborted) throw signal.reason;
      throw this.health.failure(err);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    // PostgreSQL drops the lock with the connection; whoever holds it must stop at once.
    const lost = new AbortController();
    const onGone = (): void => {
      if (!released) lost.abort(new Error('session lock lost'));
    };
    client.once('error', onGone);
    client.once('end', onGone);
    return {
      lost: lost.signal,
      release: () => {
        if (released) return;
        client.off('error', onGone);
        client.off('end', onGone);
        if (lost.signal.aborted) return drop(true);
        client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [SESSION_LOCK_NAMESPACE, key]).then(
          () => drop(false),
          () => drop(true),
        );
      },
    };
  }
}
