import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** The two headers OpenClaw puts on every response (also written by the Node edge's own refusals). */
export const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

/**
 * {@link SECURITY_HEADERS} on every response, and the request id. Hono's secureHeaders would add a
 * dozen browser-page headers (CORP, COOP, HSTS...) that an API does not need on its hot path.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeadersMiddleware(c, next) {
    c.header('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
    c.header('referrer-policy', SECURITY_HEADERS['referrer-policy']);
    await next();
    // Headers set with c.header() before the handler are lost when it returns a Response built
    // without the context (OpenAI-shaped errors): put them back.
    if (!c.res.headers.has('x-content-type-options')) {
      c.res.headers.set('x-content-type-options', SECURITY_HEADERS['x-content-type-options']);
      c.res.headers.set('referrer-policy', SECURITY_HEADERS['referrer-policy']);
      const id = c.get('requestId');
      if (id) c.res.headers.set('x-request-id', id);
    }
  };
}
