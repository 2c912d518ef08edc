import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';
import { scrape } from '../helpers/prometheus.js';
import { connectClient, wsUrl } from '../ws/wsTestClient.js';

const CHAT = { route: '/v1/chat/completions', method: 'POST', status: '200' };

let provider: FakeProvider;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  provider = await startFakeOpenAI({ default: { text: 'one two three four', delayMs: 30 } });
  gw = await startTestGateway(chatConfig(withFakeProvider(provider.url)));
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
});

afterAll(async () => {
  await gw.stop();
  await provider.close();
});

describe('GET /metrics', () => {
  it('is Prometheus text whose request counters move by exactly the requests made', async () => {
    const before = await scrape(gw.url, gw.token);
    const addedBefore = before.histogram('openclaw_gateway_added_seconds', { route: CHAT.route });
    const modelCallsBefore = before.histogram('openclaw_model_call_seconds', { provider: 'fake', model: 'm' });

    const usages = [];
    for (let i = 0; i < 3; i++) {
      const completion = await client.chat.completions.create({
        model: 'openclaw',
        messages: [{ role: 'user', content: `hi ${i}` }],
      });
      usages.push(completion.usage!);
    }
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream please' }],
    });
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    await client.models.list();
    await client.models.list();
    const bad = await gw.request('/v1/chat/completions', {
      method: 'POST',
      body: '{"messages": 3}',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);

    const after = await scrape(gw.url, gw.token);
    expect(after.family('openclaw_http_requests_total').type).toBe('COUNTER');
    const delta = (labels: Record<string, string>) =>
      after.value('openclaw_http_requests_total', labels) - before.value('openclaw_http_requests_total', labels);
    expect(delta(CHAT)).toBe(4);
    expect(delta({ ...CHAT, status: '400' })).toBe(1);
    expect(delta({ route: '/v1/models', method: 'GET', status: '200' })).toBe(2);
    // The scrape before this one counts once it has finished; the raw path is never a label.
    expect(delta({ route: '/metrics', method: 'GET', status: '200' })).toBe(1);

    // The gateway's own time: 5 chat requests in the histogram, each well under the provider's 30 ms per token.
    const added = after.histogram('openclaw_gateway_added_seconds', { route: CHAT.route });
    expect(added.get(Number.POSITIVE_INFINITY)! - (addedBefore.get(Number.POSITIVE_INFINITY) ?? 0)).toBe(5);
    expect([...added.keys()]).toEqual(expect.arrayContaining([0.00005, 0.0001, 0.0002, 0.001]));
    const counts = [...added.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));

    const calls = after.histogram('openclaw_model_call_seconds', { provider: 'fake', model: 'm' });
    expect(calls.get(Number.POSITIVE_INFINITY)! - (modelCallsBefore.get(Number.POSITIVE_INFINITY) ?? 0)).toBe(4);
    // Four tokens 30 ms apart: no call is faster than 90 ms.
    expect(calls.get(0.05)! - (modelCallsBefore.get(0.05) ?? 0)).toBe(0);
    const ttft = after.histogram('openclaw_model_first_token_seconds', { provider: 'fake', model: 'm' });
    expect(ttft.get(Number.POSITIVE_INFINITY)).toBeGreaterThanOrEqual(4);

    const tokens = (type: string, s = after) =>
      s.value('openclaw_model_tokens_total', { agent: 'main', model: 'fake/m', type });
    expect(tokens('input') - tokens('input', before)).toBe(usages.reduce((n, u) => n + u.prompt_tokens, 0));
    expect(tokens('output') - tokens('output', before)).toBe(usages.reduce((n, u) => n + u.completion_tokens, 0));

    expect(after.family('process_cpu_user_seconds_total').type).toBe('COUNTER');
    expect(after.family('nodejs_heap_size_used_bytes').type).toBe('GAUGE');
  });

  it('needs the gateway token by default', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });

  it('counts wrong credentials and lockouts', async () => {
    const limited = await startTestGateway(
      chatConfig({ gateway: { auth: { rateLimit: { exemptLoopback: false, maxAttempts: 2, lockoutMs: 60_000 } } } }),
    );
    try {
      const before = await scrape(limited.url, limited.token);
      expect((await limited.request('/v1/models', { auth: 'wrong' })).status).toBe(401);
      // The second wrong token locks the address out at once.
      expect((await limited.request('/v1/models', { auth: 'wrong' })).status).toBe(429);
      // Locked out: the good token too, so read the figures the exporter reads.
      expect(limited.ctx.metrics.authFailures - before.value('openclaw_auth_failures_total')).toBe(2);
      expect(limited.ctx.metrics.authLockouts - before.value('openclaw_auth_lockouts_total')).toBe(1);
    } finally {
      await limited.stop();
    }
  });

  it('is open with gateway.metrics.public and gone with gateway.metrics.enabled false', async () => {
    const open = await startTestGateway({ gateway: { metrics: { public: true } } });
    const off = await startTestGateway({ gateway: { metrics: { enabled: false } } });
    try {
      const res = await fetch(`${open.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      expect((await off.request('/metrics')).status).toBe(404);
    } finally {
      await open.stop();
      await off.stop();
    }
  });

  it('shows open streams, active runs and WebSocket clients, as WS status does', async () => {
    provider.script({ text: 'slow slow slow slow slow slow', delayMs: 150 });
    const socket = await connectClient(wsUrl(gw.url), gw.token);
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      messages: [{ role: 'user', content: 'slow' }],
    });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const during = await scrape(gw.url, gw.token);
    const status = (await socket.request('status')).payload;
    expect(during.value('openclaw_sse_streams')).toBe(1);
    expect(during.value('openclaw_runs_active')).toBe(1);
    expect(during.value('openclaw_runs_queued')).toBe(0);
    expect(during.value('openclaw_ws_connections')).toBe(1);
    expect(status.load).toMatchObject({ activeRuns: 1, queuedRuns: 0, wsClients: 1, sseStreams: 1 });
    expect(status.load.requestsPerMinute).toBeGreaterThanOrEqual(10);
    while (!(await it.next()).done);
    socket.close();
    await socket.closed;
    await expect.poll(async () => (await scrape(gw.url, gw.token)).value('openclaw_ws_connections')).toBe(0);
    const done = await scrape(gw.url, gw.token);
    expect(done.value('openclaw_sse_streams')).toBe(0);
    expect(done.value('openclaw_runs_active')).toBe(0);
  });
});

describe('route labels', () => {
  it('are route patterns for every endpoint, `unmatched` for unknown paths, never a raw path or id', async () => {
    const both = await startTestGateway(
      withFakeProvider(provider.url, {
        gateway: { http: { endpoints: { chatCompletions: { enabled: true }, responses: { enabled: true } } } },
      }),
    );
    try {
      const created = await both.request('/v1/responses', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openclaw', input: 'hi' }),
      });
      expect(created.status).toBe(200);
      const timing = parseServerTiming(created.headers.get('server-timing'));
      expect(timing.get('provider')!).toBeGreaterThanOrEqual(80);
      const { id } = (await created.json()) as { id: string };
      expect((await both.request(`/v1/responses/${id}`)).status).toBe(200);
      expect((await both.request('/v1/responses/resp_nope')).status).toBe(404);
      expect((await both.request('/v1/no/such/thing')).status).toBe(404);
      expect((await both.request('/nowhere?token=abc')).status).toBe(404);

      const after = await scrape(both.url, both.token);
      const series = after.family('openclaw_http_requests_total').metrics.map((m) => m.labels!);
      expect(series).toEqual(
        expect.arrayContaining([
          { route: '/v1/responses', method: 'POST', status: '200' },
          { route: '/v1/responses/:id', method: 'GET', status: '200' },
          { route: '/v1/responses/:id', method: 'GET', status: '404' },
          { route: 'unmatched', method: 'GET', status: '404' },
        ]),
      );
      expect(after.value('openclaw_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(2);
      expect(after.text).not.toContain(id);
      expect(after.text).not.toContain('resp_nope');
      expect(after.text).not.toContain('no/such');
    } finally {
      await both.stop();
    }
  });
});

describe('Server-Timing', () => {
  it("splits a non-streaming answer's time into the gateway's and the provider's", async () => {
    const started = performance.now();
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'time me' }] }),
    });
    await res.json();
    const elapsed = performance.now() - started;
    const timing = parseServerTiming(res.headers.get('server-timing'));
    expect([...timing.keys()]).toEqual(['gw', 'provider']);
    // Three 30 ms gaps between the fake's frames, and the whole request took longer than both parts.
    expect(timing.get('provider')!).toBeGreaterThanOrEqual(80);
    expect(timing.get('gw')!).toBeGreaterThan(0);
    expect(timing.get('gw')! + timing.get('provider')!).toBeLessThanOrEqual(elapsed);
  });

  it("gives a stream the gateway's time to headers", async () => {
    const started = performance.now();
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'time me' }] }),
    });
    const toHeaders = performance.now() - started;
    const timing = parseServerTiming(res.headers.get('server-timing'));
    expect([...timing.keys()]).toEqual(['gw']);
    expect(timing.get('gw')!).toBeGreaterThan(0);
    expect(timing.get('gw')!).toBeLessThanOrEqual(toHeaders);
    await res.text();
  });
});

/** `name;dur=1.2, other;dur=3` as a map; structured, as the Server-Timing grammar is. */
function parseServerTiming(header: string | null): Map<string, number> {
  expect(header).not.toBeNull();
  const out = new Map<string, number>();
  for (const metric of header!.split(',')) {
    const [name, ...params] = metric.trim().split(';');
    const dur = params.map((p) => p.trim().split('=')).find(([k]) => k === 'dur');
    out.set(name!, Number(dur?.[1]));
  }
  return out;
}

describe('request log', () => {
  it('writes one line per request with ids, route, agent, tokens and timings, and no secret or content', async () => {
    const logged = await startTestGateway(
      chatConfig(withFakeProvider(provider.url, { gateway: { logging: { requests: true } } })),
    );
    try {
      const send = (stream: boolean) =>
        logged.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-openclaw-session-key': 'secret-session-77' },
          body: JSON.stringify({ model: 'openclaw', stream, messages: [{ role: 'user', content: 'private words' }] }),
        });
      const plain = await send(false);
      await plain.text();
      const streamed = await send(true);
      await streamed.text();
      await expect.poll(() => logged.logs.filter((l) => l.msg === 'request').length).toBe(2);
      const lines = logged.logs.filter((l) => l.msg === 'request').map((l) => l.fields!);
      for (const [line, res, stream] of [
        [lines[0]!, plain, false],
        [lines[1]!, streamed, true],
      ] as const) {
        expect(line).toMatchObject({
          requestId: res.headers.get('x-request-id'),
          route: '/v1/chat/completions',
          status: 200,
          agent: 'main',
          model: 'openclaw',
          providerModel: 'fake/m',
          stream,
          outcome: 'stop',
        });
        expect(line.tokensIn).toBeGreaterThan(0);
        expect(line.tokensOut).toBe(4);
        expect(line.providerMs).toBeGreaterThanOrEqual(80);
        expect(line.gatewayMs).toBeGreaterThan(0);
      }
      const all = JSON.stringify(logged.logs);
      expect(all).not.toContain('private words');
      expect(all).not.toContain('secret-session-77');
      expect(all).not.toContain(logged.token);
    } finally {
      await logged.stop();
    }
  });
});
