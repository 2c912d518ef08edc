import type { MiddlewareHandler } from 'hono';

/**
 * The two headers OpenClaw puts on every response. Hono's secureHeaders would add a dozen
 * browser-page headers (CORP, COOP, HSTS...) that an API does not need on its hot path.
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    await next();
    if (!c.res.headers.has('x-content-type-options')) {
      c.res.headers.set('x-content-type-options', 'nosniff');
      c.res.headers.set('referrer-policy', 'no-referrer');
    }
  };
}
