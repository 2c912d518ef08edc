import type { Context, MiddlewareHandler } from 'hono';

/**
 * Reads the whole request body as text, giving up past `maxBytes`: the text decoded as
 * fetch's `Request.text()` decodes it, or undefined when the body is too large.
 */
export type BodyReader = (c: Context, maxBytes: number) => Promise<string | undefined>;

/** The Web-Standards reader: the request's own body stream, counted as it arrives. */
export const readRequestBody: BodyReader = async (c, maxBytes) => {
  const body = c.req.raw.body;
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      void reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = chunks.length === 1 ? chunks[0]! : new Uint8Array(size);
  if (chunks.length !== 1) {
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
  }
  // A TextDecoder drops a leading byte-order mark, as fetch's text() does.
  return new TextDecoder().decode(bytes);
};

export interface BufferedBodyOptions {
  maxSize: number;
  /** Called for a body over the limit, as Hono's bodyLimit `onError`. */
  onError: (c: Context) => Response | Promise<Response>;
  /** The edge's reader. */
  read: BodyReader;
}

/**
 * Hono's bodyLimit and the body read in one step, through the edge's reader: a declared
 * content-length over the limit is refused unread, a streamed one as soon as it passes it.
 * The text lands in Hono's body cache (`c.req.bodyCache`), the one place its validators
 * read a body from, so `zValidator('json')` parses what the edge read, once.
 */
export function bufferedBody(options: BufferedBodyOptions): MiddlewareHandler {
  const { maxSize, onError, read } = options;
  return async function bufferedBodyMiddleware(c, next) {
    const length = c.req.header('content-length');
    if (
      length !== undefined &&
      c.req.header('transfer-encoding') === undefined &&
      Number.parseInt(length || '0', 10) > maxSize
    ) {
      return onError(c);
    }
    let text: string | undefined;
    try {
      text = await read(c, maxSize);
    } catch (err) {
      // A body cut short fails whoever reads it, as the request's own body stream would.
      const failed = Promise.reject(err);
      failed.catch(() => {});
      c.req.bodyCache.text = failed as never;
      return next();
    }
    if (text === undefined) return onError(c);
    c.req.bodyCache.text = Promise.resolve(text) as never;
    await next();
  };
}
