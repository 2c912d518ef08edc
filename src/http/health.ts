import { Hono } from 'hono';
import type { GatewayContext } from '../context.js';
import type { AppEnv } from './env.js';

/** `/healthz` (live) and `/readyz` (config loaded, listener up, not stopping); no auth. */
export function healthRoutes(ctx: GatewayContext): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ ok: true }))
    .get('/readyz', (c) => {
      const ready = ctx.ready() && !ctx.shuttingDown();
      return c.json({ ready }, ready ? 200 : 503);
    });
}
