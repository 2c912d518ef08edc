import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';

/** The writing end of a Server-Sent Events response, as a route sees it. */
export interface SseSink {
  /** One `data:` event; resolves once the transport can take more. */
  data(payload: string): Promise<void>;
  /** Raw event-stream text, e.g. a `: keepalive` comment. */
  write(text: string): Promise<void>;
  /** True once the client has gone. */
  readonly aborted: boolean;
  onAbort(listener: () => void): void;
}

/**
 * Starts an event-stream response whose events `produce` writes; the response ends when it
 * settles. The Node edge supplies one that writes to the socket directly.
 */
export type SseStreamer = (c: Context, produce: (sink: SseSink) => Promise<void>) => Response;

/** The portable streamer: Hono's streamSSE, through a web TransformStream. */
export const honoSseStreamer: SseStreamer = (c, produce) =>
  streamSSE(c, (stream) =>
    produce({
      data: (payload) => stream.writeSSE({ data: payload }),
      write: async (text) => void (await stream.write(text)),
      get aborted() {
        return stream.aborted;
      },
      onAbort: (listener) => stream.onAbort(listener),
    }),
  );

/** The headers streamSSE gives an event stream; any other streamer sends the same. */
export function setSseHeaders(c: Context): void {
  c.header('Transfer-Encoding', 'chunked');
  c.header('Content-Type', 'text/event-stream');
  c.header('Cache-Control', 'no-cache');
  c.header('Connection', 'keep-alive');
}

/** One `data:` event as streamSSE frames it: a payload with line breaks becomes several data lines. */
export function sseDataFrame(payload: string): string {
  if (payload.indexOf('\n') === -1 && payload.indexOf('\r') === -1) return `data: ${payload}\n\n`;
  return `${payload
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

/** The same streamer, keeping `open` up to date with the streams it has running. */
export function countedSseStreamer(streamer: SseStreamer, open: { sseStreams: number }): SseStreamer {
  return (c, produce) =>
    streamer(c, async (sink) => {
      open.sseStreams++;
      try {
        await produce(sink);
      } finally {
        open.sseStreams--;
      }
    });
}
