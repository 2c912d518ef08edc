import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/**
 * The two headers OpenClaw puts on every response, and the request id. Hono's secureHeaders would add a
 * dozen browser-page headers (CORP, COOP, HSTS...) that an API does not need on its hot path.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async function securityHeadersMiddleware(c, next) {
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    await next();
    // Headers set with c.header() before the handler are lost when it returns a Response built
    // without the context (OpenAI-shaped errors): put them back.
    if (!c.res.headers.has('x-content-type-options')) {
      c.res.headers.set('x-content-type-options', 'nosniff');
      c.res.headers.set('referrer-policy', 'no-referrer');
      const id = c.get('requestId');
      if (id) c.res.headers.set('x-request-id', id);
    }
  };
}
