import type pg from 'pg';
import { AuthRateLimiter, type FailedAuthLimiter, isLoopback, type LimiterVerdict } from '../../auth/rateLimiter.js';
import type { RateLimitConfig } from '../../config/schema.js';
import type { Logger } from '../../log.js';
import { type AuthMetrics, NO_AUTH_METRICS } from '../../metrics/gatewayMetrics.js';
import { errorText, type PostgresHealth } from './postgresHealth.js';
import { CHANNELS, type PostgresListener } from './postgresListener.js';

const AUTH_CHANNEL = CHANNELS.auth;

interface AuthNotice {
  scope: string;
  ip: string;
  /** 0 when the address was cleared. */
  lockedUntil: number;
  failing: boolean;
}

/**
 * The failed-auth limiter counted in PostgreSQL, so wrong guesses spread over replicas add up.
 * Every replica mirrors lockouts (and which addresses have failures pending) from NOTIFY, so
 * `check` and a clean `recordSuccess` never touch the database: a request with good credentials
 * costs what it costs with one process. While PostgreSQL is unreachable, each replica counts on
 * its own, as the embedded limiter does, rather than let guesses through.
 */
export class PostgresAuthLimiter implements FailedAuthLimiter {
  readonly #lockedUntil = new Map<string, number>();
  readonly #failing = new Set<string>();
  readonly #fallback: AuthRateLimiter;

  constructor(
    private readonly pool: pg.Pool,
    private readonly health: PostgresHealth,
    listener: PostgresListener,
    private readonly config: RateLimitConfig,
    private readonly log: Logger,
    /** Which limiter this is (`gateway`; another, such as a browser one, uses its own scope). */
    private readonly scope = 'gateway',
    private readonly metrics: AuthMetrics = NO_AUTH_METRICS,
    private readonly now: () => number = Date.now,
  ) {
    // The fallback counts into the metrics itself; the shared path counts below.
    this.#fallback = new AuthRateLimiter(config, now, metrics);
    listener.on(AUTH_CHANNEL, (payload) => this.#onNotice(JSON.parse(payload) as AuthNotice));
    listener.onReconnect(() => void this.load().catch(() => undefined));
  }

  /** Reads the current lockouts and pending failures (at start, and after a reconnect). */
  async load(): Promise<void> {
    const { rows } = await this.pool.query<{ ip: string; locked_until: string; n: number }>(
      'SELECT ip, locked_until, cardinality(failures) AS n FROM auth_failures WHERE scope = $1',
      [this.scope],
    );
    this.#lockedUntil.clear();
    this.#failing.clear();
    for (const row of rows) {
      if (Number(row.locked_until) > this.now()) this.#lockedUntil.set(row.ip, Number(row.locked_until));
      if (row.n > 0) this.#failing.add(row.ip);
    }
  }

  check(ip: string): LimiterVerdict {
    if (this.#exempt(ip)) return { locked: false };
    const until = this.#lockedUntil.get(ip);
    const now = this.now();
    if (until !== undefined && until > now) return { locked: true, retryAfterMs: until - now };
    return this.#fallback.check(ip);
  }

  async recordFailure(ip: string): Promise<LimiterVerdict> {
    if (!this.health.available || this.#exempt(ip)) return this.#fallback.recordFailure(ip);
    this.metrics.authFailure();
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      await client.query('INSERT INTO auth_failures (scope, ip) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        this.scope,
        ip,
      ]);
      const { rows } = await client.query<{ failures: string[]; locked_until: string }>(
        'SELECT failures, locked_until FROM auth_failures WHERE scope = $1 AND ip = $2 FOR UPDATE',
        [this.scope, ip],
      );
      const now = this.now();
      const row = rows[0]!;
      let lockedUntil = Number(row.locked_until);
      let failures = row.failures.map(Number);
      if (lockedUntil <= now) {
        failures = failures.filter((t) => now - t < this.config.windowMs);
        failures.push(now);
        if (failures.length >= this.config.maxAttempts) {
          lockedUntil = now + this.config.lockoutMs;
          failures = [];
          this.metrics.authLockout();
        }
        await client.query('UPDATE auth_failures SET failures = $3, locked_until = $4 WHERE scope = $1 AND ip = $2', [
          this.scope,
          ip,
          failures,
          lockedUntil,
        ]);
        const notice: AuthNotice = { scope: this.scope, ip, lockedUntil, failing: failures.length > 0 };
        await client.query('SELECT pg_notify($1, $2)', [AUTH_CHANNEL, JSON.stringify(notice)]);
      }
      await client.query('COMMIT');
      client.release();
      client = undefined;
      this.#onNotice({ scope: this.scope, ip, lockedUntil, failing: failures.length > 0 });
      return lockedUntil > now ? { locked: true, retryAfterMs: lockedUntil - now } : { locked: false };
    } catch (err) {
      client?.release(true);
      this.health.failure(err);
      this.log.log('warn', 'failed-auth count not shared (PostgreSQL); counting on this replica', {
        error: errorText(err),
      });
      return this.#fallback.recordFailure(ip);
    }
  }

  recordSuccess(ip: string): void {
    this.#fallback.recordSuccess(ip);
    if (!this.#failing.has(ip) && !this.#lockedUntil.has(ip)) return;
    this.#failing.delete(ip);
    this.#lockedUntil.delete(ip);
    const notice: AuthNotice = { scope: this.scope, ip, lockedUntil: 0, failing: false };
    void this.pool
      .query(
        `WITH gone AS (DELETE FROM auth_failures WHERE scope = $1 AND ip = $2 RETURNING ip)
         SELECT pg_notify($3, $4) FROM gone`,
        [this.scope, ip, AUTH_CHANNEL, JSON.stringify(notice)],
      )
      .catch((err: unknown) => this.health.failure(err));
  }

  #onNotice(notice: AuthNotice): void {
    if (notice.scope !== this.scope) return;
    if (notice.lockedUntil > this.now()) this.#lockedUntil.set(notice.ip, notice.lockedUntil);
    else this.#lockedUntil.delete(notice.ip);
    if (notice.failing) this.#failing.add(notice.ip);
    else this.#failing.delete(notice.ip);
    this.#prune();
  }

  /** Keeps the mirror bounded under a spray of addresses. */
  #prune(): void {
    if (this.#lockedUntil.size < 10_000) return;
    const now = this.now();
    for (const [ip, until] of this.#lockedUntil) if (until <= now) this.#lockedUntil.delete(ip);
  }

  #exempt(ip: string): boolean {
    return this.config.exemptLoopback && isLoopback(ip);
  }
}
