import { Hono, type MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/** Renders the exposition text; the Node edge supplies it (prom-client). */
export type MetricsExporter = () => Promise<{ contentType: string; body: string }>;

/** `GET /metrics`: Prometheus text exposition, behind `auth` unless the config made it public. */
export function metricsRoutes(exporter: MetricsExporter, auth: MiddlewareHandler | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  if (auth !== undefined) app.use('/metrics', auth);
  return app.get('/metrics', async (c) => {
    const { contentType, body } = await exporter();
    return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'no-store' });
  });
}
