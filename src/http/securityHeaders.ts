import type { MiddlewareHandler } from 'hono';

/** The two headers OpenClaw puts on every response. */
export const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

/**
 * Sets {@link SECURITY_HEADERS}. Hono's secureHeaders would add a dozen browser-page headers
 * (CORP, COOP, HSTS...) that an API does not need on its hot path.
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    c.header('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
    c.header('referrer-policy', SECURITY_HEADERS['referrer-policy']);
    await next();
    if (!c.res.headers.has('x-content-type-options')) {
      c.res.headers.set('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
      c.res.headers.set('referrer-policy', SECURITY_HEADERS['referrer-policy']);
    }
  };
}
