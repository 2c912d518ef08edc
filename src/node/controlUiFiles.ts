import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';
import { normaliseBasePath } from '../http/controlUi.js';

/**
 * The built Control UI of this package: the nearest `dist/ui/` above this module, which finds it
 * from the sources (tests), from `dist/node/` and from the bundle in `dist/bundle/chunks/`.
 */
export function packagedControlUiRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'dist', 'ui');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Hono's serveStatic over the UI folder, with request paths taken relative to the base path and
 * the build's precompressed `.br`/`.gz` siblings sent to clients that accept them. Loaded and the
 * folder looked up on the first page request, so a gateway nobody opens in a browser pays nothing.
 */
export function controlUiFiles(options: { basePath: string; root?: string }): MiddlewareHandler {
  const base = normaliseBasePath(options.basePath);
  let handler: Promise<MiddlewareHandler | undefined> | undefined;
  const load = async (): Promise<MiddlewareHandler | undefined> => {
    const root = options.root !== undefined ? resolve(options.root) : packagedControlUiRoot();
    if (root === undefined || !existsSync(join(root, 'index.html'))) return undefined;
    const { serveStatic } = await import('@hono/node-server/serve-static');
    return serveStatic({ root, precompressed: true, rewriteRequestPath: (path) => `/${path.slice(base.length)}` });
  };
  return async (c, next) => {
    handler ??= load();
    const serve = await handler;
    if (serve) return serve(c, next);
    // Not built yet: look again next time rather than remember the miss.
    handler = undefined;
    return next();
  };
}
