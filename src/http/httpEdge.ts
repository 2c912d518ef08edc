import type { Context, MiddlewareHandler } from 'hono';
import { type BodyReader, readRequestBody } from './bufferedBody.js';
import type { MetricsExporter } from './metricsRoute.js';
import { honoSseStreamer, type SseStreamer } from './sseStream.js';

/**
 * The parts of HTTP that differ between runtimes, handed to `createApp` in one piece. `webEdge`
 * is complete on Web Standards alone (any runtime with fetch's Request and Response); the Node
 * edge (`src/node/nodeEdge.ts`) supplies faster versions of the same parts, all in one place.
 */
export interface HttpEdge {
  /** Peer address of the request, as the failed-auth limiter keys it. */
  clientIp(c: Context): string;
  /** The WebSocket upgrade handler for `GET /`; absent where the runtime has none. */
  websocket?: MiddlewareHandler;
  /** Starts an event-stream response. */
  sse: SseStreamer;
  /** A signal that aborts when the client goes away. */
  requestSignal(c: Context): AbortSignal;
  /** Reads the request body as text, or undefined once it passes `maxBytes`. */
  readBody: BodyReader;
  // Capabilities a runtime may lack, rather than faster versions of the above:
  /** Serves the built Control UI's files (paths relative to its base path); no page when unset. */
  controlUiFiles?: MiddlewareHandler;
  /** The machine's IP addresses, served as `Host` when bound to LAN; none when unset. */
  localAddresses?: () => readonly string[];
  /** Prometheus exposition for `GET /metrics`; no such route when unset. */
  metrics?: MetricsExporter;
}

/**
 * Web Standards only: Hono's streamSSE, the request's own signal and body stream. A Web
 * runtime gives no peer address, so every client shares one failed-auth budget; an adapter
 * that knows the address (Hono's getConnInfo for its runtime) passes its own `clientIp`.
 */
export const webEdge: HttpEdge = {
  clientIp: () => 'unknown',
  sse: honoSseStreamer,
  requestSignal: (c) => c.req.raw.signal,
  readBody: readRequestBody,
};
