import { randomUUID } from 'node:crypto';
import type WsSocket from 'ws';
import type { GatewayConfig } from '../../config/schema.js';
import type { ErrorShape } from '../../ws/errorCodes.js';
import type { HelloOk, ServerFrame } from '../../ws/frames.js';

/** Nothing listens at the address (the CLI may then run locally). */
export class GatewayUnreachableError extends Error {
  override readonly name = 'GatewayUnreachableError';
  constructor(
    readonly url: string,
    readonly code: string,
  ) {
    super(`no gateway reachable at ${url} (${code})`);
  }
}

/** The gateway answered a request (or the connect) with `ok: false`. */
export class GatewayRequestError extends Error {
  override readonly name = 'GatewayRequestError';
  constructor(
    readonly error: ErrorShape,
    readonly payload?: unknown,
  ) {
    super(error.message);
  }
}

/** The socket closed before an answer arrived. */
export class GatewayClosedError extends Error {
  override readonly name = 'GatewayClosedError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`gateway closed the connection (${code}${reason ? `: ${reason}` : ''})`);
  }
}

export interface GatewayClientOptions {
  url: string;
  token?: string;
  password?: string;
  clientVersion: string;
  /** Challenge, connect and hello-ok must complete within this (default 10 s). */
  connectTimeoutMs?: number;
}

export interface GatewayClient {
  readonly hello: HelloOk;
  /**
   * Sends a request; with `expectFinal`, an `accepted` answer is skipped and the
   * second response on the same id is awaited (two-stage methods such as `agent`).
   */
  request<T = unknown>(method: string, params?: unknown, options?: { expectFinal?: boolean }): Promise<T>;
  onEvent(listener: (event: string, payload: unknown) => void): () => void;
  close(): void;
}

interface Pending {
  resolve(payload: unknown): void;
  reject(err: Error): void;
  expectFinal: boolean;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
]);

/** A minimal operator client of the gateway protocol, for the CLI. */
export async function connectGateway(options: GatewayClientOptions): Promise<GatewayClient> {
  // Loaded here: every command's module is imported at start, and `openclaw gateway` never needs ws.
  const { default: WebSocket } = await import('ws');
  return openClient(new WebSocket(options.url, { handshakeTimeout: options.connectTimeoutMs ?? 10_000 }), options);
}

function openClient(ws: WsSocket, options: GatewayClientOptions): Promise<GatewayClient> {
  const pending = new Map<string, Pending>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  let closedError: Error | undefined;

  return new Promise<GatewayClient>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`gateway at ${options.url} did not complete the handshake in time`)),
      options.connectTimeoutMs ?? 10_000,
    );

    ws.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== undefined && UNREACHABLE.has(err.code)) fail(new GatewayUnreachableError(options.url, err.code));
      else fail(err);
    });
    ws.on('unexpected-response', (_req, res) =>
      fail(new Error(`gateway refused the WebSocket upgrade with HTTP ${res.statusCode}`)),
    );
    ws.on('close', (code, reason) => {
      closedError = new GatewayClosedError(code, reason.toString());
      fail(closedError);
      for (const p of pending.values()) p.reject(closedError);
      pending.clear();
    });
    ws.on('message', (data) => {
      let frame: ServerFrame | undefined;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (frame?.type === 'event') {
        if (frame.event === 'connect.challenge' && !settled) return sendConnect();
        for (const listener of listeners) listener(frame.event, frame.payload);
        return;
      }
      if (frame?.type !== 'res') return;
      const p = pending.get(frame.id);
      if (!p) return;
      if (frame.ok && p.expectFinal && (frame.payload as { status?: unknown } | undefined)?.status === 'accepted')
        return;
      pending.delete(frame.id);
      if (frame.ok) p.resolve(frame.payload);
      else p.reject(new GatewayRequestError(frame.error, frame.payload));
    });

    const request = <T>(method: string, params?: unknown, opts: { expectFinal?: boolean } = {}): Promise<T> => {
      if (closedError) return Promise.reject(closedError);
      const id = randomUUID();
      return new Promise<T>((res, rej) => {
        pending.set(id, { resolve: res as (p: unknown) => void, reject: rej, expectFinal: opts.expectFinal === true });
        ws.send(JSON.stringify({ type: 'req', id, method, params }));
      });
    };

    const sendConnect = (): void => {
      const auth = {
        ...(options.token ? { token: options.token } : {}),
        ...(options.password ? { password: options.password } : {}),
      };
      request<HelloOk>('connect', {
        minProtocol: 3,
        maxProtocol: 4,
        client: { id: 'cli', version: options.clientVersion, platform: process.platform, mode: 'cli' },
        role: 'operator',
        scopes: ['operator.read', 'operator.write'],
        ...(Object.keys(auth).length > 0 ? { auth } : {}),
      }).then(
        (hello) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            hello,
            request,
            onEvent(listener) {
              listeners.add(listener);
              return () => listeners.delete(listener);
            },
            close: () => ws.close(1000),
          });
        },
        (err: Error) => fail(err),
      );
    };
  });
}

/** Where the CLI finds the local gateway and what it presents: config first, then env, as the gateway itself resolves them. */
export interface GatewayEndpoint {
  url: string;
  token?: string;
  password?: string;
}

export function localGatewayEndpoint(config: GatewayConfig, env: NodeJS.ProcessEnv): GatewayEndpoint {
  const { gateway } = config;
  const host = gateway.bind === 'custom' && gateway.customBindHost ? gateway.customBindHost : '127.0.0.1';
  const token = gateway.auth.token ?? (env.OPENCLAW_GATEWAY_TOKEN || undefined);
  const password = gateway.auth.password ?? (env.OPENCLAW_GATEWAY_PASSWORD || undefined);
  return {
    url: `ws://${host}:${gateway.port}/`,
    ...(token !== undefined && gateway.auth.mode !== 'password' ? { token } : {}),
    ...(password !== undefined && gateway.auth.mode !== 'token' ? { password } : {}),
  };
}
