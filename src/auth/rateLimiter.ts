import type { RateLimitConfig } from '../config/schema.js';
import { NO_AUTH_METRICS, type AuthMetrics } from '../metrics/gatewayMetrics.js';

export type LimiterVerdict = { locked: false } | { locked: true; retryAfterMs: number };

/**
 * Counts wrong credentials per client address and locks it out. `check` is answered from
 * memory on every request, so a shared implementation mirrors the lockouts it is told of;
 * only a failure may wait on the shared store.
 */
export interface FailedAuthLimiter {
  check(ip: string): LimiterVerdict;
  recordFailure(ip: string): LimiterVerdict | Promise<LimiterVerdict>;
  recordSuccess(ip: string): void;
}

/**
 * Failed-auth limiter per client IP and scope: `maxAttempts` wrong credentials
 * within `windowMs` lock the address out for `lockoutMs`. Missing credentials do not count;
 * a success clears the address. Shared by HTTP and WebSocket.
 */
export class AuthRateLimiter implements FailedAuthLimiter {
  private readonly entries = new Map<string, { failures: number[]; lockedUntil: number }>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
    private readonly metrics: AuthMetrics = NO_AUTH_METRICS,
  ) {}

  check(ip: string): LimiterVerdict {
    if (this.exempt(ip)) return { locked: false };
    const entry = this.entries.get(ip);
    if (!entry) return { locked: false };
    const now = this.now();
    if (entry.lockedUntil > now) return { locked: true, retryAfterMs: entry.lockedUntil - now };
    return { locked: false };
  }

  recordFailure(ip: string): LimiterVerdict {
    this.metrics.authFailure();
    if (this.exempt(ip)) return { locked: false };
    const now = this.now();
    let entry = this.entries.get(ip);
    if (!entry) {
      entry = { failures: [], lockedUntil: 0 };
      this.entries.set(ip, entry);
    }
    entry.failures = entry.failures.filter((t) => now - t < this.config.windowMs);
    entry.failures.push(now);
    if (entry.failures.length >= this.config.maxAttempts) {
      entry.lockedUntil = now + this.config.lockoutMs;
      entry.failures = [];
      this.metrics.authLockout();
      return { locked: true, retryAfterMs: this.config.lockoutMs };
    }
    this.prune(now);
    return { locked: false };
  }

  recordSuccess(ip: string): void {
    if (this.entries.size > 0) this.entries.delete(ip);
  }

  private exempt(ip: string): boolean {
    return this.config.exemptLoopback && isLoopback(ip);
  }

  /** Keeps memory bounded under a spray of addresses. */
  private prune(now: number): void {
    if (this.entries.size < 10_000) return;
    for (const [ip, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => now - t >= this.config.windowMs)) this.entries.delete(ip);
    }
  }
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}
