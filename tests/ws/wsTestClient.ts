/** A thin `ws` client for tests: records every frame and waits for the ones a test names. */
import WebSocket from 'ws';

export interface Frame {
  type: 'req' | 'res' | 'event';
  id?: string;
  ok?: boolean;
  payload?: any;
  error?: { code: string; message: string; details?: any; retryable?: boolean; retryAfterMs?: number };
  event?: string;
  seq?: number;
}

export interface TestSocket {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the first recorded or future frame matching `pred`. */
  next(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  send(frame: unknown): void;
  /** Sends a request and resolves with its first response. */
  request(method: string, params?: unknown, id?: string): Promise<Frame>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

let ids = 0;

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/`;
}

/** `options` forge what a browser would send (`origin`, `headers: { host }`). */
export async function openSocket(url: string, options?: WebSocket.ClientOptions): Promise<TestSocket> {
  const ws = new WebSocket(url, options);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const w of waiters) w();
    }),
  );
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    for (const w of waiters) w();
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const socket: TestSocket = {
    ws,
    frames,
    closed,
    next(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = (): void => {
          for (; seen < frames.length; seen++) {
            const f = frames[seen]!;
            if (pred(f)) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve(f);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(frames).slice(0, 2000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    send(frame) {
      ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    request(method, params, id = `r${++ids}`) {
      socket.send({ type: 'req', id, method, params });
      return socket.next((f) => f.type === 'res' && f.id === id);
    },
    close() {
      ws.close();
    },
  };
  return socket;
}

export function connectParams(token: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    minProtocol: 3,
    maxProtocol: 4,
    client: { id: 'test', version: '1.0.0', platform: 'linux', mode: 'test' },
    role: 'operator',
    scopes: ['operator.read', 'operator.write'],
    ...(token !== undefined ? { auth: { token } } : {}),
    ...extra,
  };
}

/** Opens a socket and completes the handshake; throws if it is refused. */
export async function connectClient(
  url: string,
  token: string | undefined,
  extra: Record<string, unknown> = {},
  options?: WebSocket.ClientOptions,
): Promise<TestSocket> {
  const socket = await openSocket(url, options);
  await socket.next((f) => f.event === 'connect.challenge');
  const res = await socket.request('connect', connectParams(token, extra), 'c1');
  if (!res.ok) throw new Error(`connect refused: ${JSON.stringify(res.error)}`);
  return socket;
}

/** The status an upgrade gets: 101 when the socket opened (then closed again), else the refusal's status. */
export function upgradeStatus(url: string, options?: WebSocket.ClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}
