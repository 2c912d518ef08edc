import { HTTPException } from 'hono/http-exception';

/**
 * Every OpenAI-shaped error the gateway sends, as data. One function turns them into
 * `{"error":{"message","type","param","code"}}` bodies; no route writes one by hand.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export type OpenAiError =
  | { kind: 'invalid_request'; message: string; param?: string | null; code?: string | null }
  | { kind: 'invalid_api_key'; message?: string }
  | { kind: 'forbidden'; message: string }
  | { kind: 'not_found'; message: string; code?: 'model_not_found' | 'not_found' }
  | { kind: 'method_not_allowed'; allow: string }
  | { kind: 'conflict'; message: string; code: string }
  | { kind: 'payload_too_large'; limit?: number }
  | { kind: 'headers_too_large' }
  | { kind: 'request_timeout' }
  | { kind: 'misdirected'; message: string }
  | { kind: 'rate_limited'; message: string; retryAfterMs: number; code?: 'rate_limit_exceeded' | 'auth_rate_limited' }
  | { kind: 'upstream'; message: string }
  | { kind: 'timeout'; message: string }
  | { kind: 'unavailable'; message: string; retryAfterMs?: number }
  /** A run that failed once its stream had begun, for a reason no other kind names (aborted, internal...). */
  | { kind: 'run_failed'; message: string }
  | { kind: 'internal'; message?: string };

interface Shaped {
  status: number;
  body: { error: { message: string; type: string; param: string | null; code: string | null } };
  headers: Record<string, string>;
}

function retryHeaders(ms: number): Record<string, string> {
  return {
    'retry-after': String(Math.max(1, Math.ceil(ms / 1000))),
    'retry-after-ms': String(Math.max(0, Math.round(ms))),
  };
}

export function shapeError(e: OpenAiError): Shaped {
  const body = (message: string, type: string, param: string | null, code: string | null) => ({
    error: { message, type, param, code },
  });
  switch (e.kind) {
    case 'invalid_request':
      return {
        status: 400,
        body: body(e.message, 'invalid_request_error', e.param ?? null, e.code ?? null),
        headers: {},
      };
    case 'invalid_api_key':
      return {
        status: 401,
        body: body(
          e.message ?? 'Incorrect or missing API key. Send `Authorization: Bearer <gateway token>`.',
          'invalid_request_error',
          null,
          'invalid_api_key',
        ),
        headers: { 'www-authenticate': 'Bearer' },
      };
    case 'forbidden':
      return { status: 403, body: body(e.message, 'request_forbidden', null, 'forbidden'), headers: {} };
    case 'not_found':
      return { status: 404, body: body(e.message, 'invalid_request_error', null, e.code ?? 'not_found'), headers: {} };
    case 'method_not_allowed':
      return {
        status: 405,
        body: body('Method Not Allowed', 'invalid_request_error', null, 'method_not_allowed'),
        headers: { allow: e.allow },
      };
    case 'conflict':
      // 409 is one of the statuses the SDKs retry; a retry would only conflict again.
      return {
        status: 409,
        body: body(e.message, 'invalid_request_error', null, e.code),
        headers: { 'x-should-retry': 'false' },
      };
    case 'payload_too_large':
      return {
        status: 413,
        body: body(
          e.limit === undefined ? 'Request body too large.' : `Request body exceeds ${e.limit} bytes.`,
          'invalid_request_error',
          null,
          'payload_too_large',
        ),
        headers: {},
      };
    case 'headers_too_large':
      return {
        status: 431,
        body: body('Request headers too large.', 'invalid_request_error', null, 'request_header_fields_too_large'),
        headers: {},
      };
    case 'request_timeout':
      return {
        status: 408,
        body: body('The request was not received in time.', 'invalid_request_error', null, 'request_timeout'),
        headers: {},
      };
    case 'misdirected':
      return { status: 421, body: body(e.message, 'invalid_request_error', null, 'host_not_allowed'), headers: {} };
    case 'rate_limited':
      return {
        status: 429,
        body: body(e.message, 'requests', null, e.code ?? 'rate_limit_exceeded'),
        headers: retryHeaders(e.retryAfterMs),
      };
    case 'upstream':
      // The agent has already done work: an SDK retry would start a second run.
      return {
        status: 502,
        body: body(e.message, 'api_error', null, 'upstream_error'),
        headers: { 'x-should-retry': 'false' },
      };
    case 'timeout':
      return {
        status: 504,
        body: body(e.message, 'server_error', null, 'agent_timeout'),
        headers: { 'x-should-retry': 'false' },
      };
    case 'unavailable':
      return {
        status: 503,
        body: body(e.message, 'server_error', null, null),
        headers: e.retryAfterMs ? retryHeaders(e.retryAfterMs) : {},
      };
    case 'run_failed':
      return { status: 500, body: body(e.message, 'server_error', null, 'agent_run_failed'), headers: {} };
    case 'internal':
      return {
        status: 500,
        body: body(e.message ?? 'The gateway hit an internal error.', 'server_error', null, null),
        headers: {},
      };
  }
}

export function errorResponse(e: OpenAiError, extraHeaders?: Record<string, string>): Response {
  const { status, body, headers } = shapeError(e);
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers, ...extraHeaders },
  });
}

/** An address locked out by the failed-auth limiter: the same 429 on HTTP and on the WebSocket upgrade. */
export function authLockedError(retryAfterMs: number): OpenAiError {
  return {
    kind: 'rate_limited',
    code: 'auth_rate_limited',
    retryAfterMs,
    message: 'Too many failed authentication attempts. Please try again later.',
  };
}

/** Throw from anywhere in a `/v1` handler; `app.onError` sends its ready response. */
export function openAiException(e: OpenAiError): HTTPException {
  const res = errorResponse(e);
  return new HTTPException(res.status as 400, { res });
}

/** The in-band stream form, once the headers are gone: the same body as one `data:` frame (no `choices` key). */
export function streamErrorFrame(e: OpenAiError): string {
  return JSON.stringify(shapeError(e).body);
}
