import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { Duplex } from 'node:stream';
import type { createNodeWebSocket } from '@hono/node-ws';
import type { MiddlewareHandler } from 'hono';
import type { GatewayConfig } from '../config/schema.js';
import type { GatewayContext } from '../context.js';
import { attemptLimiter } from '../auth/attemptLimiter.js';
import { createApp } from '../http/app.js';
import type { MetricsExporter } from '../http/metricsRoute.js';
import { authLockedError, errorResponse } from '../http/openai/errors.js';
import { wildcardOrigins } from '../http/originPolicy.js';
import type { Logger } from '../log.js';
import type { createGatewaySocket } from '../ws/gatewaySocket.js';
import { createAdmission } from './edgeAdmission.js';
import { createContextControls } from './bootstrap.js';
import {
  answerClientErrors,
  DEFAULT_DEADLINES,
  deadlineOptions,
  stampUpgradeRefusals,
  type RequestDeadlines,
} from './clientErrors.js';
import { createNodeEdge } from './nodeEdge.js';
import { setFrameCap } from './wsFrameCap.js';

export interface StartOptions {
  config: GatewayConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** `--port`, which wins over env and config; 0 picks a free port. */
  port?: number;
  /** `--bind`, which wins over config. */
  bind?: GatewayConfig['gateway']['bind'];
  /** Slow-client deadlines; tests shorten them. */
  deadlines?: RequestDeadlines;
}

export interface RunningGateway {
  url: string;
  host: string;
  port: number;
  ctx: GatewayContext;
  /** Graceful stop: refuse new work, let in-flight requests finish within the grace period, then close. */
  close(reason?: string): Promise<void>;
}

export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export function bindHost(config: GatewayConfig, bind: GatewayConfig['gateway']['bind']): string {
  switch (bind) {
    case 'loopback':
    // OpenClaw's `auto` prefers loopback; without Tailscale discovery here that is all it can mean.
    case 'auto':
      return '127.0.0.1';
    case 'tailnet':
      throw new StartupError(
        'gateway.bind "tailnet" needs Tailscale, which this gateway does not serve; use "lan" or "custom"',
      );
    case 'lan':
      return '0.0.0.0';
    case 'custom':
      if (!config.gateway.customBindHost)
        throw new StartupError('gateway.bind is "custom" but gateway.customBindHost is not set');
      return config.gateway.customBindHost;
  }
}

/** One listener for HTTP and WebSocket upgrades on the same port. */
export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const { config, log } = options;
  const bind = options.bind ?? config.gateway.bind;
  const host = bindHost(config, bind);
  const controls = await createContextControls(options);
  const { ctx } = controls;
  if (ctx.auth.mode === 'none' && host !== '127.0.0.1') {
    await ctx.store.close();
    throw new StartupError(
      `refusing to bind the gateway to ${host} without auth (gateway.auth.mode is "none"); use bind loopback or set a token`,
    );
  }
  const wildcards = wildcardOrigins(config.gateway);
  if (wildcards.length > 0) {
    if (ctx.auth.mode === 'none') {
      await ctx.store.close();
      throw new StartupError(
        `${wildcards.join(' and ')}: "*" lets every web page drive the gateway, so it needs token or password auth (gateway.auth.mode is "none")`,
      );
    }
    log.log(
      'warn',
      `browser access: ${wildcards.join(' and ')} allow any origin ("*"); web pages still need the ${ctx.auth.mode}`,
    );
  }

  const { edge, sendDirect } = createNodeEdge(config);
  // The WebSocket stack (ws, @hono/node-ws, the protocol modules) loads with the first upgrade request.
  let ws: { nodeWs: ReturnType<typeof createNodeWebSocket>; createSocket: typeof createGatewaySocket } | undefined;
  const websocket: MiddlewareHandler = async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket' || !ws) return c.text('Not Found', 404);
    const ip = edge.clientIp(c);
    const origin = c.req.header('origin');
    const verdict = attemptLimiter(ctx, ip, origin).check();
    if (verdict.locked) return errorResponse(authLockedError(verdict.retryAfterMs));
    const { createSocket } = ws;
    const { maxPayload } = config.gateway.ws;
    return ws.nodeWs.upgradeWebSocket(
      () =>
        createSocket(ctx, {
          remoteAddress: ip,
          origin,
          liftFrameCap: (socket) => setFrameCap(socket.raw, maxPayload),
        }),
      // @hono/node-ws wraps a socket error in ErrorEvent, which Node 20 lacks: what lands here is
      // that ReferenceError (the close event follows and ends the connection); it would go to stderr.
      { onError: (err) => log.log('debug', 'ws: socket error', { error: String(err) }) },
    )(c, next);
  };
  // prom-client loads with the first scrape, not at start-up; its process collectors start then.
  let exporter: Promise<MetricsExporter> | undefined;
  const metrics: MetricsExporter = async () => {
    exporter ??= import('./prometheusExporter.js').then((m) => m.createPrometheusExporter(ctx));
    return (await exporter)();
  };
  const app = createApp(ctx, { ...edge, websocket, metrics });
  const fetchThenStream = async (req: Request, env: unknown): Promise<Response> => {
    const res = await app.fetch(req.method === 'HEAD' ? asGet(req) : req, env);
    const { incoming, outgoing } = env as HttpBindings;
    // Answered before its body was read whole (413, 401...): node:http would go on reading and
    // discarding it to keep the connection, for as long as the client cares to send.
    if (!incoming.complete && !outgoing.headersSent) outgoing.setHeader('connection', 'close');
    return sendDirect(res, outgoing) ? RESPONSE_ALREADY_SENT : res;
  };
  type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  const loadWebSocket = async (): Promise<UpgradeListener> => {
    const [{ createNodeWebSocket }, { createGatewaySocket }] = await Promise.all([
      import('@hono/node-ws'),
      import('../ws/gatewaySocket.js'),
    ]);
    const nodeWs = createNodeWebSocket({ app });
    // ws reads this at each upgrade and checks it per frame before buffering the payload: a client
    // that has not sent `connect` gets the pre-connect cap, lifted to maxPayload once connected.
    const { preAuthMaxBytes, maxPayload } = config.gateway.ws;
    nodeWs.wss.options.maxPayload = Math.min(preAuthMaxBytes, maxPayload);
    ws = { nodeWs, createSocket: createGatewaySocket };
    // @hono/node-ws hands its upgrade listener to a server; take it, to call it from ours.
    let listener: UpgradeListener | undefined;
    const catcher = {
      on: (_event: 'upgrade', l: UpgradeListener) => {
        listener = l;
      },
    };
    nodeWs.injectWebSocket(catcher as unknown as Server);
    return listener!;
  };
  let upgradeListener: Promise<UpgradeListener> | undefined;

  const port = options.port ?? config.gateway.port;
  const admission = createAdmission({ config: config.gateway.admission, metrics: ctx.metrics });
  // Admission wraps node:http's request listener: it runs before the adapter builds a Request or reads a body.
  const admitted = ((serverOptions: ServerOptions, listener: RequestListener) =>
    createServer(serverOptions, admission.wrap(listener))) as typeof createServer;
  const server = await new Promise<Server>((resolve, reject) => {
    const serverOptions = deadlineOptions(options.deadlines ?? DEFAULT_DEADLINES);
    const s = serve({ fetch: fetchThenStream, hostname: host, port, serverOptions, createServer: admitted }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  answerClientErrors(server);
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgradeListener ??= loadWebSocket();
    upgradeListener.then(
      (listener) => listener(request, stampUpgradeRefusals(socket), head),
      (err: unknown) => {
        log.log('error', 'could not load the WebSocket stack', { error: String(err) });
        socket.destroy();
      },
    );
  });
  const inFlight = trackInFlight(server);
  const actualPort = (server.address() as AddressInfo).port;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`;
  controls.markReady();

  let closing: Promise<void> | undefined;
  const close = (reason = 'shutdown') =>
    (closing ??= (async () => {
      controls.beginShutdown(reason);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = config.gateway.shutdownGraceMs;
      const drained = await inFlight.drained(grace);
      if (!drained) {
        log.log('warn', 'grace period over; aborting remaining work', { graceMs: grace });
        for (const run of ctx.runtime.activeRuns()) ctx.runtime.abortRun(run.runId, 'gateway shutting down');
      }
      for (const client of ws?.nodeWs.wss.clients ?? []) client.close(1012, 'gateway shutting down');
      server.closeAllConnections();
      await closed;
      await ctx.store.close();
    })());

  return { url, host, port: actualPort, ctx, close };
}

/**
 * HEAD is answered as GET, and node:http leaves the body out. Hono's own HEAD handling,
 * `new Response(null, res)`, loses on @hono/node-server's lightweight Response the headers
 * set after the response was made (request id, CORS, security headers).
 */
function asGet(req: Request): Request {
  return new Request(req.url, { method: 'GET', headers: req.headers });
}

/** Counts HTTP responses not yet finished, so a stop can wait for them. */
function trackInFlight(server: Server) {
  let count = 0;
  let onIdle: (() => void) | undefined;
  server.on('request', (_req, res) => {
    count++;
    res.once('close', () => {
      count--;
      if (count === 0) onIdle?.();
    });
  });
  return {
    drained(timeoutMs: number): Promise<boolean> {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        onIdle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    },
  };
}
