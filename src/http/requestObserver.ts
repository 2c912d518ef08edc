import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { GatewayMetrics } from '../metrics/gatewayMetrics.js';
import type { AppEnv } from './env.js';
import type { RequestLine } from './requestLog.js';

/**
 * Times every request and records it by route pattern (never the raw path), method and status,
 * with the gateway's own time: total minus what the route reports as spent on the provider.
 * For an event stream the response is returned once its headers are ready, so that is what it
 * measures. `log`, when set, receives the request's line; without it nothing is built.
 */
export function requestObserver(metrics: GatewayMetrics, log?: (line: RequestLine) => void): MiddlewareHandler<AppEnv> {
  return async function requestObserverMiddleware(c, next) {
    const start = performance.now();
    c.set('startedAt', start);
    await next();
    const end = performance.now();
    const providerMs = c.get('providerMs') ?? 0;
    const route = c.get('unmatched') === true ? 'unmatched' : routePath(c, -1);
    const status = c.res.status;
    const gatewayMs = end - start - providerMs;
    metrics.httpRequest(route, c.req.method, status, gatewayMs, end);
    if (log !== undefined) {
      log({
        requestId: c.get('requestId'),
        method: c.req.method,
        route,
        status,
        totalMs: end - start,
        gatewayMs,
        providerMs,
        run: c.get('run'),
      });
    }
  };
}
