import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(chatConfig({ gateway: { http: { cors: { allowedOrigins: ['https://app.example'] } } } }));
});
afterAll(() => gw.stop());

const ORIGIN = { origin: 'https://app.example' };

function expectApiHeaders(res: Response, requestId: string): void {
  expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
  expect(res.headers.get('vary')).toMatch(/origin/i);
  expect(res.headers.get('access-control-expose-headers')).toBe('x-request-id');
  expect(res.headers.get('x-request-id')).toBe(requestId);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

describe('CORS on /v1 for an allowed origin', () => {
  it('answers a preflight with 204, the origin, the methods, the asked-for headers and a 10 minute max-age', async () => {
    const res = await gw.request('/v1/chat/completions', {
      method: 'OPTIONS',
      auth: null,
      headers: {
        ...ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(res.headers.get('access-control-max-age')).toBe('600');
  });

  it('marks answers, errors and refusals alike, each with its request id and a content-length', async () => {
    const cases: Array<[string, RequestInit & { auth?: string | null }, number]> = [
      [
        '/v1/chat/completions',
        { method: 'POST', body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] }) },
        200,
      ],
      ['/v1/chat/completions', { method: 'POST', body: '{"model": ' }, 400],
      ['/v1/chat/completions', { method: 'POST', body: JSON.stringify({ messages: [] }) }, 400],
      ['/v1/chat/completions', { method: 'GET' }, 405],
      ['/v1/chat/completions', { method: 'POST', body: '{}', auth: 'wrong' }, 401],
      ['/v1/nope', {}, 404],
      ['/v1/models', {}, 200],
    ];
    for (const [i, [path, init, status]] of cases.entries()) {
      const id = `cors-${i}`;
      const res = await gw.request(path, {
        ...init,
        headers: { ...ORIGIN, 'content-type': 'application/json', 'x-request-id': id },
      });
      expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
      expectApiHeaders(res, id);
      expect(res.headers.get('content-length'), `${init.method ?? 'GET'} ${path}`).toBe(
        String(Buffer.byteLength(await res.text())),
      );
    }
  });

  it('marks a stream before its first byte', async () => {
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { ...ORIGIN, 'content-type': 'application/json', 'x-request-id': 'cors-stream' },
      body: JSON.stringify({ model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expectApiHeaders(res, 'cors-stream');
    expect(await res.text()).toContain('data: [DONE]');
  });
});
