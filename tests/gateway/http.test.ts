import { afterEach, describe, expect, it } from 'vitest';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { rawRequest } from '../helpers/rawHttp.js';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

describe('health', () => {
  it('answers /healthz and /readyz without auth, with tiny JSON', async () => {
    gw = await startTestGateway();
    const live = await gw.request('/healthz', { auth: null });
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ ok: true });
    const ready = await gw.request('/readyz', { auth: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
  });
});

describe('every response', () => {
  it('carries a generated x-request-id and the security headers', async () => {
    gw = await startTestGateway(chatConfig());
    const paths = ['/healthz', '/nope', '/v1/nope', '/v1/models'];
    const ids = new Set<string>();
    for (const path of paths) {
      const res = await gw.request(path);
      const id = res.headers.get('x-request-id');
      expect(id, path).toMatch(/^[\w-]{8,}$/);
      ids.add(id!);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    expect(ids.size).toBe(paths.length);
  });

  it('whatever the method, status or path, HEAD included', async () => {
    gw = await startTestGateway(
      chatConfig({ gateway: { http: { endpoints: { chatCompletions: { maxBodyBytes: 16 } } } } }),
    );
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    const paths = [
      '/',
      '/healthz',
      '/readyz',
      '/nope',
      '/v1',
      '/v1/models',
      '/v1/models/openclaw',
      '/v1/chat/completions',
    ];
    const statuses = new Set<number>();
    for (const method of methods) {
      for (const path of paths) {
        for (const auth of [undefined, null]) {
          const body = method === 'POST' ? '{"messages": [ ] }' : undefined;
          const res = await gw.request(path, { method, auth, body, headers: { 'content-type': 'application/json' } });
          const what = `${method} ${path} ${auth === null ? 'no auth' : ''} -> ${res.status}`;
          statuses.add(res.status);
          expect(res.headers.get('x-request-id'), what).toMatch(/^[\w-]{8,}$/);
          expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
          expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
          if (path.startsWith('/v1/') && res.status >= 400 && method !== 'HEAD') {
            expect(Object.keys(((await res.json()) as any).error).sort(), what).toEqual([
              'code',
              'message',
              'param',
              'type',
            ]);
          } else await res.arrayBuffer();
        }
      }
    }
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 401, 404, 405, 413]));
  });

  it('including WebSocket upgrades that are refused', async () => {
    gw = await startTestGateway(chatConfig());
    const upgrade = (path: string, extra = '') =>
      `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
      `sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n${extra}\r\n`;
    for (const raw of [
      upgrade('/nope', 'sec-websocket-version: 13\r\n'),
      upgrade('/', 'sec-websocket-version: 99\r\n'),
    ]) {
      const res = await rawRequest(gw.url, raw);
      expect(res.status, raw).toBeGreaterThanOrEqual(400);
      expect(res.headers['x-request-id'], raw).toMatch(/^[\w-]{8,}$/);
      expect(res.headers['x-content-type-options'], raw).toBe('nosniff');
      expect(res.headers['referrer-policy'], raw).toBe('no-referrer');
    }
  });

  it('echoes a sane inbound x-request-id and replaces an insane one', async () => {
    gw = await startTestGateway(chatConfig());
    expect(
      (await gw.request('/v1/models', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id'),
    ).toBe('abc-123');
    expect(
      (await gw.request('/v1/models', { auth: 'bad', headers: { 'x-request-id': 'err-456' } })).headers.get(
        'x-request-id',
      ),
    ).toBe('err-456');
    const odd = await gw.request('/v1/models', { headers: { 'x-request-id': 'has spaces<script>' } });
    expect(odd.headers.get('x-request-id')).not.toBe('has spaces<script>');
    expect(odd.headers.get('x-request-id')).toBeTruthy();
  });
});

describe('unknown paths', () => {
  it('are a text 404 outside /v1 and an OpenAI-shaped 404 inside', async () => {
    gw = await startTestGateway(chatConfig());
    const plain = await gw.request('/nope');
    expect(plain.status).toBe(404);
    expect(await plain.text()).toBe('Not Found');
    const v1 = await gw.request('/v1/nope');
    expect(v1.status).toBe(404);
    expect(v1.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await v1.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null, code: 'not_found' });
  });

  it('/v1 is 404 when chat completions is disabled (the default), even with a valid token', async () => {
    gw = await startTestGateway();
    for (const path of ['/v1/chat/completions', '/v1/models']) {
      const res = await gw.request(path, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('wrong methods are an OpenAI-shaped 405 with Allow', async () => {
    gw = await startTestGateway(chatConfig());
    const res = await gw.request('/v1/chat/completions');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    const models = await gw.request('/v1/models', { method: 'DELETE' });
    expect(models.status).toBe(405);
    expect(models.headers.get('allow')).toBe('GET');
  });
});

describe('bind', () => {
  it('refuses none mode on a non-loopback bind', async () => {
    await expect(
      startTestGateway({ gateway: { bind: 'lan', auth: { mode: 'none', token: undefined } } }),
    ).rejects.toThrow(/refusing to bind/);
  });
});
