import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log.js';
import type { AppEnv } from './env.js';

/** One structured line per request: method, path (no query: it may hold secrets), status, ms, request id. */
export function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLogMiddleware(c, next) {
    const start = performance.now();
    await next();
    log.log('info', 'request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - start) * 10) / 10,
      requestId: c.get('requestId'),
    });
  };
}
