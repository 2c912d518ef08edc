import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { OriginPolicy } from './originPolicy.js';

/**
 * What a request from a web page (one carrying `Origin`) may do, for the whole app; requests without
 * `Origin` (CLIs, SDKs, curl) pass untouched.
 * - A WebSocket upgrade from an origin that is neither the gateway's own nor allowed: 403 before the upgrade.
 * - With `auth.mode: "none"`, an HTTP request from a foreign origin (not own, not granted CORS): 403.
 * - CORS is granted only to `gateway.http.cors.allowedOrigins`. Hono's cors answers preflights; on other
 *   requests its headers are set on the final response instead, because setting them up front makes Hono
 *   re-wrap every handler's response (body into a web stream) to merge them, the costliest step of a request.
 */
export function browserAccess(policy: OriginPolicy): MiddlewareHandler {
  const preflight = cors({
    origin: (origin) => policy.corsGrant(origin) ?? null,
    exposeHeaders: ['x-request-id'],
    maxAge: 600,
  });
  return async function browserAccessMiddleware(c, next) {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    const host = c.req.header('host');
    if (c.req.header('upgrade')?.toLowerCase() === 'websocket') {
      if (!policy.allowsSocket(origin, host)) throw refused(origin, 'gateway.controlUi.allowedOrigins');
      return next();
    }
    const grant = policy.corsGrant(origin);
    if (grant === undefined && policy.refusesForeign && !policy.isOwn(origin, host)) {
      throw refused(origin, 'gateway.http.cors.allowedOrigins');
    }
    if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) {
      return preflight(c, next);
    }
    await next();
    if (grant !== undefined) {
      c.res.headers.set('access-control-allow-origin', grant);
      c.res.headers.set('access-control-expose-headers', 'x-request-id');
    }
    if (policy.corsVaries) c.res.headers.append('vary', 'Origin');
  };
}

function refused(origin: string, key: string): HTTPException {
  return new HTTPException(403, {
    message: `Requests from origin "${origin}" are not allowed; add it to ${key} to allow it.`,
  });
}
