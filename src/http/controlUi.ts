import type { Hono, MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.js';

/**
 * The page's own policy: code and styles from this origin only (no inline script or style, no eval),
 * sockets and fetches to this origin only, never framed.
 */
export const CONTROL_UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Hashed file names change with their content, so a year is safe. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** `'/ui'` and `'/ui/'` both become `'/ui/'`; the root stays `'/'`. */
export function normaliseBasePath(raw: string): string {
  const trimmed = raw.replace(/\/+$/, '');
  return `${trimmed}/`;
}

/** The address to open, with the token as `?token=` when given (the page takes it out of the address bar). */
export function controlUiLink(origin: string, basePath: string, token?: string): string {
  const url = new URL(normaliseBasePath(basePath), origin);
  if (token) url.searchParams.set('token', token);
  return url.toString();
}

function wantsHtml(accept: string | undefined): boolean {
  return accept?.toLowerCase().includes('text/html') ?? false;
}

const notBuilt = () =>
  new Response('The Control UI is not built here: run `npm run build`.\n', {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });

/**
 * Mounts the Control UI: the page at `basePath` for browsers (a WebSocket upgrade or a non-HTML
 * request on the same path falls through, so `/` keeps serving the gateway protocol) and its
 * hashed assets under `basePath + 'assets/'`. `files` is the runtime's static file server,
 * with request paths relative to the base.
 */
export function mountControlUi(app: Hono<AppEnv>, basePath: string, files: MiddlewareHandler): void {
  const base = normaliseBasePath(basePath);
  const page: MiddlewareHandler = async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() === 'websocket' || !wantsHtml(c.req.header('accept'))) return next();
    c.header('content-security-policy', CONTROL_UI_CSP);
    c.header('x-frame-options', 'DENY');
    c.header('cross-origin-opener-policy', 'same-origin');
    c.header('cache-control', 'no-cache');
    c.header('vary', 'Accept');
    const res = await files(c, async () => undefined);
    return res ?? notBuilt();
  };
  app.get(base, page);
  if (base !== '/') app.get(base.slice(0, -1), (c) => c.redirect(`${base}${new URL(c.req.url).search}`, 308));
  app.get(`${base}assets/*`, async (c) => {
    c.header('cache-control', IMMUTABLE);
    const res = await files(c, async () => undefined);
    if (res) return res;
    c.header('cache-control', 'no-store');
    return c.text('Not Found', 404);
  });
}
