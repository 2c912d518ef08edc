import type { FailedAuthLimiter, LimiterVerdict } from './rateLimiter.js';

/** The failed-auth limiters of a gateway: per address, and per browser origin and address. */
export interface AuthLimiters {
  /** Keyed by address; may exempt loopback (`gateway.auth.rateLimit.exemptLoopback`). */
  limiter: FailedAuthLimiter;
  /** Keyed by origin and address; never exempts loopback. */
  browserLimiter: FailedAuthLimiter;
}

/** One credential attempt's view of the limiters it counts against. */
export interface AttemptLimiter {
  check(): LimiterVerdict;
  /** Async when a limiter is shared (PostgreSQL); callers await it either way. */
  recordFailure(): LimiterVerdict | Promise<LimiterVerdict>;
  recordSuccess(): void;
}

/**
 * An attempt counts against its address's limiter and, when it carries an `Origin` (a web page made it),
 * against that origin's limiter at that address too. The browser limiter does not exempt loopback: a page
 * in the user's own browser comes from loopback and must not guess at full speed. Counting both means a
 * client cannot escape the address limiter by sending a fresh `Origin` with each guess.
 */
export function attemptLimiter(limiters: AuthLimiters, ip: string, origin: string | undefined): AttemptLimiter {
  const { limiter, browserLimiter } = limiters;
  if (origin === undefined) {
    return {
      check: () => limiter.check(ip),
      recordFailure: () => limiter.recordFailure(ip),
      recordSuccess: () => limiter.recordSuccess(ip),
    };
  }
  // Real origins are short; a forged one of kilobytes must not make each limiter entry that big.
  const browserKey = `${origin.slice(0, 256)} ${ip}`;
  return {
    check: () => stricter(limiter.check(ip), browserLimiter.check(browserKey)),
    recordFailure: () => {
      const a = limiter.recordFailure(ip);
      const b = browserLimiter.recordFailure(browserKey);
      if (!(a instanceof Promise) && !(b instanceof Promise)) return stricter(a, b);
      return Promise.all([a, b]).then(([x, y]) => stricter(x, y));
    },
    recordSuccess: () => {
      limiter.recordSuccess(ip);
      browserLimiter.recordSuccess(browserKey);
    },
  };
}

function stricter(a: LimiterVerdict, b: LimiterVerdict): LimiterVerdict {
  if (!a.locked) return b;
  if (!b.locked) return a;
  return a.retryAfterMs >= b.retryAfterMs ? a : b;
}
