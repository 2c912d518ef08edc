import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SECURITY_HEADERS } from '../http/securityHeaders.js';
import { shapeError, type OpenAiError } from '../http/openai/errors.js';

/**
 * How long a client may take over its request before node:http answers 408 and hangs up
 * (slowloris): the head, and the whole request with its body. Node checks both on a timer,
 * every `checkEveryMs`.
 */
export interface RequestDeadlines {
  headersMs: number;
  requestMs: number;
  checkEveryMs: number;
}

export const DEFAULT_DEADLINES: RequestDeadlines = { headersMs: 15_000, requestMs: 120_000, checkEveryMs: 1_000 };

/** node:http server options for the deadlines (a request's deadline includes its head's). */
export function deadlineOptions(d: RequestDeadlines) {
  return {
    headersTimeout: d.headersMs,
    requestTimeout: Math.max(d.requestMs, d.headersMs + 1),
    connectionsCheckingInterval: d.checkEveryMs,
  };
}

/**
 * Requests node:http refuses before the app sees them (unparsable, headers over the cap, too
 * slow) get the same OpenAI-shaped body, request id and security headers as any other answer,
 * instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const inFlight = (socket as { _httpMessage?: (ServerResponse & { req: IncomingMessage }) | null })._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    if (inFlight?.req.complete && !inFlight.writableFinished) {
      // Garbage pipelined behind a request still being answered: that answer goes out first and
      // the connection closes after it; the garbage itself can get no answer of its own.
      inFlight.shouldKeepAlive = false;
      inFlight.once('close', () => socket.destroy());
      return;
    }
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(rawResponse(errorOf(err)));
  });
}

function errorOf(err: NodeJS.ErrnoException): OpenAiError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { kind: 'headers_too_large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { kind: 'request_timeout' };
    default:
      return { kind: 'invalid_request', message: 'Malformed HTTP request.', code: 'malformed_request' };
  }
}

function rawResponse(e: OpenAiError): string {
  const { status, body, headers } = shapeError(e);
  const text = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'content-type: application/json',
    `content-length: ${Buffer.byteLength(text)}`,
    `x-request-id: ${crypto.randomUUID()}`,
    ...Object.entries({ ...SECURITY_HEADERS, ...headers }).map(([k, v]) => `${k}: ${v}`),
    'connection: close',
  ];
  return `${lines.join('\r\n')}\r\n\r\n${text}`;
}

/**
 * An upgrade refused by @hono/node-ws (no route, host or origin refused) or by `ws` (bad handshake)
 * is written straight to the socket as a bare status line; give it the request id and security
 * headers every other response carries.
 */
export function stampUpgradeRefusals(socket: Duplex): Duplex {
  const end = socket.end.bind(socket) as (...args: unknown[]) => Duplex;
  socket.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('HTTP/1.1 ') && !/\r\nx-request-id:/i.test(chunk)) {
      const at = chunk.indexOf('\r\n');
      const lines = [
        `x-request-id: ${crypto.randomUUID()}`,
        ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
      ];
      return end(`${chunk.slice(0, at)}\r\n${lines.join('\r\n')}${chunk.slice(at)}`, ...rest);
    }
    return end(chunk, ...rest);
  }) as Duplex['end'];
  return socket;
}
