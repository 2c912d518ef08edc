import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { gatewayAuth } from '../auth/gatewayAuth.js';
import { mountControlUi } from './controlUi.js';
import { browserAccess } from './browserAccess.js';
import type { GatewayContext } from '../context.js';
import type { AppEnv } from './env.js';
import { healthRoutes } from './health.js';
import { createHostCheck, hostAllowList } from './hostAllowList.js';
import { authLockedError, errorResponse, type OpenAiError } from './openai/errors.js';
import { openAiRoutes } from './openai/routes.js';
import { metricsRoutes } from './metricsRoute.js';
import { createOriginPolicy } from './originPolicy.js';
import { requestLogger } from './requestLog.js';
import { requestObserver } from './requestObserver.js';
import { securityHeaders } from './securityHeaders.js';
import { countedSseStreamer } from './sseStream.js';
import type { HttpEdge } from './httpEdge.js';

/** The whole HTTP surface; each part is a sub-app mounted here. */
export function createApp(ctx: GatewayContext, edge: HttpEdge): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { gateway } = ctx.config;
  const { chatCompletions, responses } = gateway.http.endpoints;
  const openAiEnabled = chatCompletions.enabled || responses.enabled;
  const logRequests = ctx.log.verbose || gateway.logging.requests;
  const auth = gatewayAuth({
    auth: ctx.auth,
    limiter: ctx.limiter,
    browserLimiter: ctx.browserLimiter,
    clientIp: edge.clientIp,
    onUnauthorized: () => errorResponse({ kind: 'invalid_api_key' }),
    onLocked: (retryAfterMs) => errorResponse(authLockedError(retryAfterMs)),
  });
  const sse = countedSseStreamer(edge.sse, ctx.metrics);

  app.use(
    requestObserver(ctx.metrics, logRequests ? requestLogger(ctx.log) : undefined),
    requestId({ headerName: 'x-request-id' }),
    securityHeaders(),
  );
  // Browser safety for every route, the WebSocket upgrade included (it passes through this app too).
  app.use(
    hostAllowList(createHostCheck({ ...gateway, localAddresses: edge.localAddresses })),
    browserAccess(createOriginPolicy(gateway, ctx.auth)),
  );

  app.route('/', healthRoutes(ctx));
  const { controlUi } = ctx.config.gateway;
  if (controlUi.enabled && edge.controlUiFiles) mountControlUi(app, controlUi.basePath, edge.controlUiFiles);
  if (edge.websocket) app.get('/', edge.websocket);
  const { metrics } = gateway;
  if (metrics.enabled && edge.metrics) app.route('/', metricsRoutes(edge.metrics, metrics.public ? undefined : auth));

  if (openAiEnabled) {
    app.use('/v1/*', auth);
    app.route('/v1', openAiRoutes(ctx, { ...edge, sse }));
  }

  app.notFound((c) => {
    c.set('unmatched', true);
    return isOpenAiPath(c.req.path)
      ? errorResponse({ kind: 'not_found', message: `Unknown request URL: ${c.req.method} ${c.req.path}.` })
      : c.text('Not Found', 404);
  });

  app.onError((err, c) => {
    let res: Response;
    if (err instanceof HTTPException) {
      // Hono's own exceptions (malformed JSON from the validator...) carry plain text: reshape them on /v1.
      // A ready response of the same status is sent as it is: getResponse() would re-wrap its body in a stream.
      if (err.res && err.res.status === err.status) res = err.res;
      else
        res =
          err.res || !isOpenAiPath(c.req.path) ? err.getResponse() : errorResponse(fromStatus(err.status, err.message));
    } else {
      ctx.log.log('error', 'unhandled error', { requestId: c.get('requestId'), error: String(err) });
      res = isOpenAiPath(c.req.path)
        ? errorResponse({ kind: 'internal' })
        : new Response('Internal Server Error', { status: 500 });
    }
    // A fresh Response does not carry headers set earlier by middleware.
    const id = c.get('requestId');
    if (id) res.headers.set('x-request-id', id);
    return res;
  });

  return app;
}

function fromStatus(status: number, message: string): OpenAiError {
  if (status === 401) return { kind: 'invalid_api_key' };
  if (status === 403) return { kind: 'forbidden', message };
  if (status === 404) return { kind: 'not_found', message };
  if (status === 413) return { kind: 'payload_too_large' };
  if (status === 421) return { kind: 'misdirected', message };
  if (status >= 400 && status < 500) return { kind: 'invalid_request', message, param: null };
  return { kind: 'internal' };
}

function isOpenAiPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}
