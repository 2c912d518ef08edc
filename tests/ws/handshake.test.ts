import { afterEach, describe, expect, it } from 'vitest';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { connectClient, connectParams, openSocket, wsUrl, type TestSocket } from './wsTestClient.js';

let gateway: TestGateway | undefined;
const sockets: TestSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  await gateway?.stop();
  gateway = undefined;
});

async function start(raw: Record<string, unknown> = {}): Promise<{ gw: TestGateway; url: string }> {
  gateway = await startTestGateway(raw);
  return { gw: gateway, url: wsUrl(gateway.url) };
}

async function open(url: string): Promise<TestSocket> {
  const s = await openSocket(url);
  sockets.push(s);
  return s;
}

describe('WS handshake', () => {
  it('sends a challenge, then answers connect 3-4 with hello-ok on protocol 4', async () => {
    const { gw, url } = await start({ gateway: { ws: { tickIntervalMs: 200 } } });
    const s = await open(url);
    const challenge = await s.next((f) => f.type === 'event');
    expect(challenge.event).toBe('connect.challenge');
    expect(challenge.payload.nonce).toMatch(/^[0-9a-f-]{36}$/);
    expect(typeof challenge.payload.ts).toBe('number');

    const res = await s.request('connect', connectParams(gw.token), 'c1');
    expect(res.ok).toBe(true);
    const hello = res.payload;
    expect(hello.type).toBe('hello-ok');
    expect(hello.protocol).toBe(4);
    expect(hello.server.version).toBe(gw.ctx.version);
    expect(hello.server.connId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hello.features.methods).toEqual(
      expect.arrayContaining([
        'connect',
        'health',
        'status',
        'agent',
        'agent.wait',
        'chat.send',
        'chat.history',
        'chat.abort',
        'sessions.list',
        'sessions.reset',
        'sessions.delete',
        'agents.list',
        'models.list',
      ]),
    );
    expect(hello.features.events).toEqual(expect.arrayContaining(['agent', 'chat', 'tick', 'shutdown']));
    expect(hello.snapshot.health.ok).toBe(true);
    expect(hello.snapshot.uptimeMs).toBeGreaterThanOrEqual(0);
    expect(hello.auth).toEqual({ method: 'token', role: 'operator', scopes: ['operator.read', 'operator.write'] });
    expect(hello.policy).toEqual({
      maxPayload: 25 * 1024 * 1024,
      maxBufferedBytes: 50 * 1024 * 1024,
      tickIntervalMs: 200,
    });

    // Ticks arrive on the configured interval with a per-connection seq.
    const tick = await s.next((f) => f.event === 'tick', 2000);
    expect(tick.seq).toBe(1);
    expect(typeof tick.payload.ts).toBe('number');
    const health = await s.request('health');
    expect(health.ok).toBe(true);
    expect(health.payload.agents[0].agentId).toBe('main');
  });

  it('answers a 3-3 client with protocol 3', async () => {
    const { gw, url } = await start();
    const s = await open(url);
    const res = await s.request('connect', connectParams(gw.token, { minProtocol: 3, maxProtocol: 3 }));
    expect(res.ok).toBe(true);
    expect(res.payload.protocol).toBe(3);
  });

  it('refuses a range outside 3-4 with PROTOCOL_MISMATCH and closes 1002', async () => {
    const { gw, url } = await start();
    for (const range of [
      { minProtocol: 5, maxProtocol: 6 },
      { minProtocol: 1, maxProtocol: 2 },
    ]) {
      const s = await open(url);
      const res = await s.request('connect', connectParams(gw.token, range));
      expect(res.ok).toBe(false);
      expect(res.error!.code).toBe('INVALID_REQUEST');
      expect(res.error!.details.code).toBe('PROTOCOL_MISMATCH');
      expect((await s.closed).code).toBe(1002);
    }
  });

  it('closes a wrong token with 1008 and a reason, and counts it toward the shared limiter', async () => {
    const { gw, url } = await start(
      chatConfig({ gateway: { auth: { rateLimit: { maxAttempts: 2, exemptLoopback: false } } } }),
    );
    const s = await open(url);
    const res = await s.request('connect', connectParams('wrong-token'));
    expect(res.ok).toBe(false);
    expect(res.error!.details.code).toBe('AUTH_TOKEN_MISMATCH');
    const closed = await s.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/unauthorized: gateway token mismatch/);
    expect(JSON.stringify(gw.logs)).not.toContain('wrong-token');

    // The second failure locks the address: the connect says so ...
    const s2 = await open(url);
    const res2 = await s2.request('connect', connectParams('wrong-again'));
    expect(res2.error!.details.code).toBe('AUTH_RATE_LIMITED');
    expect(res2.error!.retryAfterMs).toBeGreaterThan(0);
    expect((await s2.closed).code).toBe(1008);
    // ... and HTTP sees the same lockout, even with the right token.
    const http = await gw.request('/v1/models');
    expect(http.status).toBe(429);
    // ... and so does the next upgrade.
    await expect(openSocket(url)).rejects.toThrow(/429/);
  });

  it('closes a missing token with 1008 without counting it', async () => {
    const { gw, url } = await start({ gateway: { auth: { rateLimit: { maxAttempts: 1, exemptLoopback: false } } } });
    const s = await open(url);
    const res = await s.request('connect', connectParams(undefined));
    expect(res.error!.details.code).toBe('AUTH_TOKEN_MISSING');
    const closed = await s.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/token missing/);
    expect(gw.ctx.limiter.check('127.0.0.1').locked).toBe(false);
    sockets.push(await connectClient(url, gw.token));
  });

  it('accepts the password as the secret in password mode', async () => {
    const { gw, url } = await start({ gateway: { auth: { mode: 'password', password: 'open sesame!' } } });
    const s = await open(url);
    const bad = await s.request('connect', connectParams(undefined, { auth: { password: 'nope' } }));
    expect(bad.error!.details.code).toBe('AUTH_PASSWORD_MISMATCH');
    sockets.push(await connectClient(url, undefined, { auth: { password: 'open sesame!' } }));
    expect(gw.ctx.auth.mode).toBe('password');
  });

  it('closes with 1008 when the first frame is not connect', async () => {
    const { url } = await start();
    const s = await open(url);
    const res = await s.request('health', {});
    expect(res.ok).toBe(false);
    expect((await s.closed).code).toBe(1008);

    const s2 = await open(url);
    s2.send('this is not json');
    expect((await s2.closed).code).toBe(1008);
  });

  it('closes an oversize pre-connect frame with 1009', async () => {
    const { gw, url } = await start({ gateway: { ws: { preAuthMaxBytes: 1024 } } });
    const s = await open(url);
    s.send({
      type: 'req',
      id: 'c1',
      method: 'connect',
      params: {
        ...connectParams(gw.token),
        userAgent: 'x'.repeat(500),
        caps: ['y'.repeat(60)],
        locale: 'z'.repeat(60),
        pad: 'p'.repeat(2000),
      },
    });
    expect((await s.closed).code).toBe(1009);
  });

  it('closes a socket that does not connect within the deadline', async () => {
    const { url } = await start({ gateway: { ws: { connectTimeoutMs: 150 } } });
    const s = await open(url);
    const started = Date.now();
    const closed = await s.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe('connect timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses an unknown client id and bad connect params with 1008', async () => {
    const { gw, url } = await start();
    const s = await open(url);
    const res = await s.request(
      'connect',
      connectParams(gw.token, { client: { id: 'evil', version: '1', platform: 'x', mode: 'cli' } }),
    );
    expect(res.error!.code).toBe('INVALID_REQUEST');
    expect(res.error!.message).toMatch(/client\.id/);
    expect((await s.closed).code).toBe(1008);
  });

  it('answers malformed frames after connect with INVALID_REQUEST and keeps serving', async () => {
    const { gw, url } = await start();
    const s = await connectClient(url, gw.token);
    sockets.push(s);
    s.send('{nope');
    const bad = await s.next((f) => f.type === 'res' && f.id === 'invalid');
    expect(bad.error!.code).toBe('INVALID_REQUEST');
    s.send({ type: 'req', id: 'x1', method: 42 });
    expect((await s.next((f) => f.id === 'x1')).error!.code).toBe('INVALID_REQUEST');
    expect((await s.request('no.such.method')).error!.details.code).toBe('UNKNOWN_METHOD');
    const badParams = await s.request('agent', { message: 'hi' });
    expect(badParams.error!.code).toBe('INVALID_REQUEST');
    expect(badParams.error!.message).toMatch(/idempotencyKey/);
    const extra = await s.request('agent', { message: 'hi', idempotencyKey: 'k', bogus: 1 });
    expect(extra.error!.message).toMatch(/bogus/);
    expect((await s.request('connect', connectParams(gw.token))).error!.message).toMatch(/already connected/);
    expect((await s.request('health')).ok).toBe(true);
  });

  it('refuses write methods to a read-only client with FORBIDDEN', async () => {
    const { gw, url } = await start();
    const s = await connectClient(url, gw.token, { scopes: ['operator.read'] });
    sockets.push(s);
    const res = await s.request('agent', { message: 'hi', idempotencyKey: 'k1' });
    expect(res.error!.code).toBe('FORBIDDEN');
    expect(res.error!.details.code).toBe('MISSING_SCOPE');
    expect((await s.request('sessions.list')).ok).toBe(true);
  });

  it('tells connected clients about a graceful stop', async () => {
    const { gw, url } = await start();
    const s = await connectClient(url, gw.token);
    sockets.push(s);
    await gw.stop();
    gateway = undefined;
    const shutdown = await s.next((f) => f.event === 'shutdown');
    expect(shutdown.payload.reason).toBe('test done');
    expect((await s.closed).code).toBe(1012);
  });
});
