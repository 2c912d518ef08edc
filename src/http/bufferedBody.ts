import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Reads the whole request body as text, giving up past `maxBytes`: the text decoded as
 * fetch's `Request.text()` decodes it, or undefined when the body is too large.
 */
export type BodyReader = (c: Context, maxBytes: number) => Promise<string | undefined>;

const TOO_LARGE: Promise<string> = Promise.resolve('');

export interface BufferedBodyOptions {
  maxSize: number;
  /** Called for a body over the limit, as bodyLimit's `onError`. */
  onError: (c: Context) => Response | Promise<Response>;
  /** The runtime's direct reader; Hono's bodyLimit (over the WHATWG request) when unset. */
  read?: BodyReader;
}

/**
 * Hono's bodyLimit, and with a runtime reader also the body read itself: the text lands in
 * Hono's body cache, where `c.req.json()` / `c.req.text()` (and so the validators) find it.
 * On Node this spares each request a full WHATWG Request with its body in web streams.
 */
export function bufferedBody(options: BufferedBodyOptions): MiddlewareHandler {
  const { maxSize, onError, read } = options;
  if (read === undefined) return bodyLimit({ maxSize, onError });
  return async function bufferedBodyMiddleware(c, next) {
    const length = c.req.header('content-length');
    if (
      length !== undefined &&
      c.req.header('transfer-encoding') === undefined &&
      parseInt(length || '0', 10) > maxSize
    ) {
      return onError(c);
    }
    let body: Promise<string>;
    try {
      const text = await read(c, maxSize);
      body = text === undefined ? TOO_LARGE : Promise.resolve(text);
    } catch (err) {
      // A body cut short fails whoever reads it, as the request's own body stream would.
      body = Promise.reject(err);
      body.catch(() => {});
    }
    if (body === TOO_LARGE) return onError(c);
    c.req.bodyCache.text = body as never;
    await next();
  };
}
