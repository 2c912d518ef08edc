import type { Context, MiddlewareHandler } from 'hono';
import type { BodyReader } from './bufferedBody.js';
import type { MetricsExporter } from './metricsRoute.js';
import type { SseStreamer } from './sseStream.js';

/** What the runtime adapter gives the app: the parts of HTTP that differ between runtimes. */
export interface HttpEdge {
  /** Peer address of the request, from the runtime adapter. */
  clientIp: (c: Context) => string;
  /** The WebSocket upgrade handler for `GET /`, when the runtime supports it. */
  websocket?: MiddlewareHandler;
  /** Streams event-stream responses; Hono's streamSSE when unset. */
  sse?: SseStreamer;
  /** A signal that aborts when the client goes away; the request's own signal when unset. */
  requestSignal?: (c: Context) => AbortSignal;
  /** Reads a request body directly; Hono's body handling over the WHATWG request when unset. */
  readBody?: BodyReader;
  /** Serves the built Control UI's files (paths relative to its base path); no page when unset. */
  controlUiFiles?: MiddlewareHandler;
  /** The machine's IP addresses, served as `Host` when bound to LAN; none when unset. */
  localAddresses?: () => readonly string[];
  /** Prometheus exposition for `GET /metrics`; no such route when unset. */
  metrics?: MetricsExporter;
}
