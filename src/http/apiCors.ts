import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * CORS for `/v1/*`: any origin, `x-request-id` exposed, preflights cached 10 minutes.
 * Hono's cors answers the preflight. On other requests it sets its headers by touching `c.res`
 * before the handler runs, which makes Hono re-wrap every handler's response (body into a
 * web stream, headers copied) to merge them: the costliest step of a request. Setting them on
 * the final response after the handler gives the same headers for the price of two `set`s.
 */
export function apiCors(): MiddlewareHandler {
  const preflight = cors({ origin: '*', exposeHeaders: ['x-request-id'], maxAge: 600 });
  return async function apiCorsMiddleware(c, next) {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    await next();
    const headers = c.res.headers;
    headers.set('access-control-allow-origin', '*');
    headers.set('access-control-expose-headers', 'x-request-id');
    // That merge also carried headers set with c.header() into responses built without the
    // context (OpenAI-shaped errors); the request id is the one such header of this app.
    const id = c.get('requestId');
    if (id) headers.set('x-request-id', id);
  };
}
