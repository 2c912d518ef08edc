import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type AuthLimiters, attemptLimiter } from './attemptLimiter.js';
import type { ResolvedAuth } from './resolve.js';
import { createSecretMatcher } from './secretMatch.js';

export interface GatewayAuthOptions extends AuthLimiters {
  auth: ResolvedAuth;
  /** The peer address of the request (from the Node edge). */
  clientIp: (c: Parameters<MiddlewareHandler>[0]) => string;
  /** Builds the error response; `/v1/*` routes send OpenAI-shaped bodies. */
  onUnauthorized: () => Response;
  onLocked: (retryAfterMs: number) => Response;
}

const BEARER = /^bearer[ \t]+(.+)$/i;

/**
 * Gateway auth in the style of Hono's bearerAuth: built once from config, throws an
 * HTTPException with a ready response. Not bearerAuth itself because that refuses
 * credentials outside RFC 6750's token68 alphabet with a 400, which would lock out
 * passwords with spaces or symbols, and it has no hook for the failed-attempt limiter.
 * The presented value is tried as token or password alike, as OpenClaw does.
 */
export function gatewayAuth(options: GatewayAuthOptions): MiddlewareHandler {
  const { auth } = options;
  if (auth.mode === 'none') return async (_c, next) => next();
  const matches = createSecretMatcher(auth.secret);

  return async function gatewayAuthMiddleware(c, next) {
    const limiter = attemptLimiter(options, options.clientIp(c), c.req.header('origin'));
    const verdict = limiter.check();
    if (verdict.locked) throw new HTTPException(429, { res: options.onLocked(verdict.retryAfterMs) });

    const header = c.req.header('authorization');
    const presented = header === undefined ? undefined : BEARER.exec(header)?.[1]?.trim();
    if (presented === undefined || presented === '') {
      // Missing credentials do not count toward the lockout (OpenClaw's rule).
      throw new HTTPException(401, { res: options.onUnauthorized() });
    }
    if (!matches(presented)) {
      const after = await limiter.recordFailure();
      if (after.locked) throw new HTTPException(429, { res: options.onLocked(after.retryAfterMs) });
      throw new HTTPException(401, { res: options.onUnauthorized() });
    }
    limiter.recordSuccess();
    await next();
  };
}
