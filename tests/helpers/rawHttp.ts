/** HTTP/1.1 over a bare TCP socket, for requests no well-behaved client would send. */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export interface RawConnection {
  socket: Socket;
  write(data: string | Buffer): Promise<void>;
  /** The next complete response on this connection. */
  response(timeoutMs?: number): Promise<RawResponse>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
  destroy(): void;
}

export async function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let buffer = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  let closed = false;
  socket.on('data', (d: Buffer) => {
    buffer = Buffer.concat([buffer, d]);
    wake?.();
  });
  socket.on('error', () => undefined);
  const closedPromise = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      wake?.();
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  const tryParse = (): RawResponse | undefined => {
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const head = buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(head[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const rest = buffer.subarray(end + 4);
    let body: Buffer;
    let used: number;
    if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      if (rest.length < n) return undefined;
      body = rest.subarray(0, n);
      used = n;
    } else if (headers['transfer-encoding'] === 'chunked') {
      const parts: Buffer[] = [];
      let at = 0;
      for (;;) {
        const lineEnd = rest.indexOf('\r\n', at);
        if (lineEnd < 0) return undefined;
        const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) return undefined;
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
      used = at;
    } else if (status === 204 || status === 304 || status < 200) {
      body = Buffer.alloc(0);
      used = 0;
    } else {
      if (!closed) return undefined;
      body = rest;
      used = rest.length;
    }
    buffer = rest.subarray(used);
    return { status, headers, body: body.toString('utf8') };
  };

  return {
    socket,
    closed: closedPromise,
    isClosed: () => closed,
    write(data) {
      return new Promise((resolve) => {
        if (socket.destroyed || !socket.writable) return resolve();
        socket.write(data, () => resolve());
      });
    },
    response(timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          wake = undefined;
          reject(new Error(`no response in ${timeoutMs} ms; got ${buffer.toString('latin1').slice(0, 500)}`));
        }, timeoutMs);
        const check = (): void => {
          const res = tryParse();
          if (res) {
            clearTimeout(timer);
            wake = undefined;
            resolve(res);
          } else if (closed) {
            clearTimeout(timer);
            wake = undefined;
            reject(new Error(`closed without a full response; got ${buffer.toString('latin1').slice(0, 500)}`));
          }
        };
        wake = check;
        check();
      });
    },
    destroy: () => socket.destroy(),
  };
}

/** One request on a fresh connection; resolves with its response. */
export async function rawRequest(url: string, data: string | Buffer, timeoutMs?: number): Promise<RawResponse> {
  const conn = await rawConnect(url);
  try {
    await conn.write(data);
    return await conn.response(timeoutMs);
  } finally {
    conn.destroy();
  }
}

/** A POST head for `path` with the given extra header lines. */
export function postHead(path: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}\r\n`;
}
