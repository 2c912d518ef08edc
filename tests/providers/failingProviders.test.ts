/**
 * Providers failing in every way, each behind a real gateway, streaming and not: the client gets a
 * clean OpenAI-shaped error (or error frame), the provider connection is released, the run ends and
 * the session is left as it was or with a whole turn.
 */
import http from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatConfig, freePort, startTestGateway, type TestGateway } from '../helpers/gateway.js';

type Mode =
  | 'ok'
  | '401'
  | '403'
  | '429-after'
  | '429'
  | '500'
  | '503'
  | 'invalid-json'
  | 'malformed-sse'
  | 'cut'
  | 'stall'
  | 'enormous';

/** A provider speaking OpenAI's wire that misbehaves as told, counting what is still open. */
async function startMisbehaving() {
  let mode: Mode = 'ok';
  let requests = 0;
  const open = new Set<http.ServerResponse>();
  const frame = (delta: unknown, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      open.add(res);
      res.on('close', () => open.delete(res));
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const sse = () => res.writeHead(200, { 'content-type': 'text/event-stream' });
      switch (mode) {
        case 'ok':
          sse();
          res.end(
            `${frame({ role: 'assistant', content: '' })}${frame({ content: 'fine' })}${frame({}, 'stop')}data: [DONE]\n\n`,
          );
          return;
        case '401':
        case '403':
          return json(Number(mode), {
            error: { message: 'Incorrect API key provided', type: 'invalid_request_error' },
          });
        case '429-after':
          return json(429, { error: { message: 'slow down', type: 'rate_limit_error' } }, { 'retry-after': '1' });
        case '429':
          return json(429, { error: { message: 'slow down', type: 'rate_limit_error' } });
        case '500':
        case '503':
          return json(Number(mode), { error: { message: 'upstream broke', type: 'server_error' } });
        case 'invalid-json':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [ not json');
          return;
        case 'malformed-sse':
          sse();
          res.end(`data: {"choices": "nope", "usage": 7}\n\ndata: {broken\n\nevent: weird\ndata:\n\n`);
          return;
        case 'cut':
          sse();
          res.write(frame({ role: 'assistant', content: '' }) + frame({ content: 'half' }));
          setTimeout(() => res.socket?.destroy(), 50);
          return;
        case 'stall':
          sse();
          res.write(frame({ role: 'assistant', content: '' }) + frame({ content: 'then nothing' }));
          return;
        case 'enormous': {
          sse();
          // One endless SSE line: the SDK would buffer it whole, looking for its end.
          const piece = Buffer.alloc(1024 * 1024, 0x61);
          res.write('data: {"x":"');
          const pump = () => {
            while (!res.destroyed && res.write(piece)) {}
            if (!res.destroyed) res.once('drain', pump);
          };
          pump();
          return;
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    setMode: (m: Mode) => {
      mode = m;
      requests = 0;
    },
    get requests() {
      return requests;
    },
    get open() {
      return open.size;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let bad: Awaited<ReturnType<typeof startMisbehaving>>;
let fallback: Awaited<ReturnType<typeof startMisbehaving>>;
let tls: TcpServer;
let gw: TestGateway;

beforeAll(async () => {
  bad = await startMisbehaving();
  fallback = await startMisbehaving();
  // Plain TCP answering in plain text: a TLS client fails its handshake.
  tls = createTcpServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const refused = await freePort();
  const provider = (baseUrl: string) => ({
    baseUrl,
    apiKey: 'sk-provider-secret-123456',
    api: 'openai-completions',
    models: [{ id: 'm' }],
    maxRetries: 1,
    timeoutSeconds: 1,
  });
  gw = await startTestGateway(
    chatConfig({
      models: {
        providers: {
          bad: provider(bad.url),
          fallback: provider(fallback.url),
          refused: provider(`http://127.0.0.1:${refused}/v1`),
          dns: provider('http://provider.invalid/v1'),
          tls: provider(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/v1`),
        },
      },
      agents: {
        defaults: { model: 'bad/m' },
        list: [
          { id: 'main', default: true },
          { id: 'withfallback', model: { primary: 'bad/m', fallbacks: ['fallback/m'] } },
          { id: 'refused', model: 'refused/m' },
          { id: 'dns', model: 'dns/m' },
          { id: 'tls', model: 'tls/m' },
        ],
      },
    }),
  );
});

afterAll(async () => {
  await gw?.stop();
  await bad?.close();
  await fallback?.close();
  tls?.close();
});

interface Outcome {
  status: number;
  headers: Headers;
  /** The error object: the body's (non-streaming) or the error frame's (streaming). */
  error: { message: string; type: string; param: null; code: string | null };
  /** Content received before the error, streaming only. */
  content: string;
}

let keys = 0;

async function ask(agent: string, stream: boolean, sessionKey: string): Promise<Outcome> {
  const res = await gw.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-openclaw-session-key': sessionKey },
    body: JSON.stringify({
      model: `openclaw/${agent}`,
      stream,
      messages: [{ role: 'user', content: `turn ${++keys}` }],
    }),
  });
  if (!stream) {
    const body = (await res.json()) as any;
    return { status: res.status, headers: res.headers, error: body.error, content: '' };
  }
  const text = await res.text();
  const frames = text
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6));
  expect(frames.at(-1), text).toBe('[DONE]');
  const parsed = frames.slice(0, -1).map((f) => JSON.parse(f));
  const errors = parsed.filter((p) => p.error);
  expect(errors, text).toHaveLength(1);
  expect(parsed.at(-1).error, 'the error frame comes last before [DONE]').toBeDefined();
  expect('choices' in errors[0]).toBe(false);
  const content = parsed.map((p) => p.choices?.[0]?.delta?.content ?? '').join('');
  return { status: res.status, headers: res.headers, error: errors[0].error, content };
}

/** No run left, nothing open at the provider, the session as it was or with whole turns only. */
async function expectCleanAfter(sessionKey: string, before: number): Promise<void> {
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline && ([...gw.ctx.runtime.activeRuns()].length > 0 || bad.open > 0 || fallback.open > 0))
    await new Promise((r) => setTimeout(r, 20));
  expect([...gw.ctx.runtime.activeRuns()]).toEqual([]);
  expect(bad.open).toBe(0);
  expect(fallback.open).toBe(0);
  const stored = await gw.ctx.store.load(sessionKey);
  const messages = stored?.messages ?? [];
  expect(messages.length === before || messages.length === before + 2, JSON.stringify(messages)).toBe(true);
  for (let i = 0; i < messages.length; i += 2) {
    expect(messages[i]!.role).toBe('user');
    expect(messages[i + 1]!.role).toBe('assistant');
  }
}

/** One good turn on a fresh key, then the failure on the same key. */
async function failing(agent: string, mode: Mode, stream: boolean): Promise<Outcome> {
  const sessionKey = `fail-${agent}-${mode}-${stream}-${keys}`;
  bad.setMode('ok');
  fallback.setMode('ok');
  const seeded = agent === 'main' || agent === 'withfallback';
  if (seeded) {
    const first = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-openclaw-session-key': sessionKey },
      body: JSON.stringify({ model: `openclaw/${agent}`, messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(first.status).toBe(200);
    await first.text();
  }
  const before = (await gw.ctx.store.load(sessionKey))?.messages.length ?? 0;
  expect(before).toBe(seeded ? 2 : 0);
  bad.setMode(mode);
  const outcome = await ask(agent, stream, sessionKey);
  expect(Object.keys(outcome.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(outcome.error.message).not.toContain('sk-provider-secret');
  if (stream) {
    expect(outcome.status).toBe(200);
    expect(outcome.headers.get('content-type')).toMatch(/^text\/event-stream/);
  } else {
    expect(outcome.headers.get('content-type')).toMatch(/^application\/json/);
    expect(outcome.headers.get('x-request-id')).toBeTruthy();
  }
  await expectCleanAfter(sessionKey, before);
  return outcome;
}

for (const stream of [false, true]) {
  describe(stream ? 'streaming' : 'not streaming', () => {
    it('connection refused, DNS failure, TLS error: 502 upstream_error naming the cause', async () => {
      for (const [agent, cause] of [
        ['refused', /ECONNREFUSED|refused|connect/i],
        ['dns', /ENOTFOUND|getaddrinfo|provider\.invalid|connection/i],
        ['tls', /SSL|TLS|EPROTO|wrong version|socket|connection/i],
      ] as const) {
        const out = await failing(agent, 'ok', stream);
        if (!stream) expect(out.status, agent).toBe(502);
        expect(out.error.code, agent).toBe('upstream_error');
        expect(out.error.message, agent).toMatch(cause);
      }
    });

    it('401 and 403: a 502 naming the provider credentials, not the client, and not retried', async () => {
      for (const mode of ['401', '403'] as const) {
        const out = await failing('main', mode, stream);
        if (!stream) expect(out.status).toBe(502);
        expect(out.error.code).toBe('upstream_error');
        expect(out.error.message).toMatch(new RegExp(`provider refused the gateway's credentials.*${mode}`));
        expect(bad.requests).toBe(1);
      }
    });

    it('429 with retry-after: retried after it, then a 429 with retry-after', async () => {
      const started = Date.now();
      const out = await failing('main', '429-after', stream);
      expect(bad.requests).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(out.error.code).toBe('rate_limit_exceeded');
      if (!stream) {
        expect(out.status).toBe(429);
        expect(out.headers.get('retry-after')).toBe('1');
      }
    });

    it('429 without retry-after: retried with backoff, then a 429 with a retry-after of its own', async () => {
      const out = await failing('main', '429', stream);
      expect(bad.requests).toBe(2);
      expect(out.error.code).toBe('rate_limit_exceeded');
      if (!stream) {
        expect(out.status).toBe(429);
        expect(Number(out.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    });

    it('500 and 503: retried, then the fallback model answers; both failing is a 502', async () => {
      for (const mode of ['500', '503'] as const) {
        const sessionKey = `fb-${mode}-${stream}`;
        bad.setMode(mode);
        fallback.setMode('ok');
        const res = await gw.request('/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-openclaw-session-key': sessionKey },
          body: JSON.stringify({ model: 'openclaw/withfallback', stream, messages: [{ role: 'user', content: 'x' }] }),
        });
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('fine');
        expect(bad.requests).toBe(2);
        expect(fallback.requests).toBe(1);
        await expectCleanAfter(sessionKey, 2);
      }
      bad.setMode('503');
      fallback.setMode('500');
      const out = await ask('withfallback', stream, `fb-both-${stream}`);
      if (!stream) expect(out.status).toBe(502);
      expect(out.error.code).toBe('upstream_error');
      expect(out.error.message).toMatch(/bad\/m.*503.*fallback\/m.*500/);
      expect(bad.requests).toBe(2);
      expect(fallback.requests).toBe(2);
      await expectCleanAfter(`fb-both-${stream}`, 0);
    });

    it('a 200 with invalid JSON, and an SSE stream of malformed events: 502', async () => {
      for (const mode of ['invalid-json', 'malformed-sse'] as const) {
        const out = await failing('main', mode, stream);
        if (!stream) expect(out.status, mode).toBe(502);
        expect(out.error.code, mode).toBe('upstream_error');
      }
    });

    it('a stream cut mid-way: 502, or an error frame after the content already sent', async () => {
      const out = await failing('main', 'cut', stream);
      if (!stream) expect(out.status).toBe(502);
      else expect(out.content).toBe('half');
      expect(out.error.code).toBe('upstream_error');
    });

    it('a stream that stalls: ended by the idle timeout', async () => {
      const started = Date.now();
      const out = await failing('main', 'stall', stream);
      expect(Date.now() - started).toBeLessThan(6000);
      if (!stream) expect(out.status).toBe(502);
      expect(out.error.code).toBe('upstream_error');
      expect(out.error.message).toMatch(/no data from the provider/);
    });

    it('an enormous body: cut off, 502, memory bounded', async () => {
      const rss = process.memoryUsage().rss;
      const out = await failing('main', 'enormous', stream);
      if (!stream) expect(out.status).toBe(502);
      expect(out.error.code).toBe('upstream_error');
      expect(out.error.message).toMatch(/over \d+ bytes/);
      expect(process.memoryUsage().rss - rss).toBeLessThan(400 * 1024 * 1024);
    });
  });
}
