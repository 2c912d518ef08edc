import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUndiciFetch } from '../../src/node/undiciFetch.js';

/** A loopback server whose routes act out what the provider SDKs meet: bodies, streams, redirects, cuts. */
let server: http.Server;
let base: string;
const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      switch (req.url) {
        case '/echo?x=1':
          res.writeHead(201, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
          res.end(JSON.stringify({ got: JSON.parse(body) }));
          return;
        case '/stream':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          setTimeout(() => res.end('data: 2\n\n'), 10);
          return;
        case '/moved':
          res.writeHead(307, { location: '/echo?x=1' });
          res.end();
          return;
        case '/cut':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        case '/stall':
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write('data: 1\n\n');
          return;
        default:
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"error":{"message":"nope"}}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const undiciFetch = createUndiciFetch();

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  let text = '';
  for await (const chunk of body) text += Buffer.from(chunk).toString('utf8');
  return text;
}

describe('undici fetch for the provider SDKs', () => {
  it('sends method, headers and body, and reads status, headers and JSON back', async () => {
    const res = await undiciFetch(`${base}/echo?x=1`, {
      method: 'POST',
      headers: new Headers({
        'content-type': 'application/json',
        authorization: 'Bearer k',
        'accept-encoding': 'gzip',
      }),
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(res.status).toBe(201);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(await res.json()).toEqual({ got: { hello: 'wörld' } });
    const sent = seen.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(sent.headers.authorization).toBe('Bearer k');
    expect(sent.headers['content-length']).toBe(String(Buffer.byteLength(sent.body)));
    // Bodies come back as sent: nothing to decompress.
    expect(sent.headers['accept-encoding']).toBeUndefined();
  });

  it('hands over a streamed body chunk by chunk as an async iterable', async () => {
    const res = await undiciFetch(`${base}/stream`, { method: 'POST', body: '{}' });
    expect(await readAll(res.body as unknown as AsyncIterable<Uint8Array>)).toBe('data: 1\n\ndata: 2\n\n');
  });

  it('follows a 307 redirect with the body, as fetch does', async () => {
    const res = await undiciFetch(`${base}/moved`, { method: 'POST', body: '{"a":1}' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ got: { a: 1 } });
  });

  it('reports an error status with its body readable as text', async () => {
    const res = await undiciFetch(`${base}/missing`, { method: 'POST', body: '{}' });
    expect(res.ok).toBe(false);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"error":{"message":"nope"}}');
  });

  it('rejects with fetch failed, caused by the socket error, when nothing listens', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await undiciFetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(String(((error as Error).cause as Error).message)).toMatch(/ECONNREFUSED/);
  });

  it('fails a body cut mid-way with TypeError terminated', async () => {
    const res = await undiciFetch(`${base}/cut`, { method: 'POST', body: '{}' });
    const error = await readAll(res.body as unknown as AsyncIterable<Uint8Array>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
  });

  it('ends a stalled body with the abort reason when the signal fires', async () => {
    const controller = new AbortController();
    const res = await undiciFetch(`${base}/stall`, { method: 'POST', body: '{}', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await readAll(res.body as unknown as AsyncIterable<Uint8Array>).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });
});
