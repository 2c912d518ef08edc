import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import {
  chatConfig,
  responsesConfig,
  startTestGateway,
  withFakeProvider,
  type TestGateway,
} from '../helpers/gateway.js';
import { connectClient, wsUrl } from '../ws/wsTestClient.js';

const post = (gw: TestGateway, path: string, body: unknown) =>
  gw.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('enabling /v1/responses', () => {
  it('is a 404 when off (the default), with chat completions on or off', async () => {
    for (const config of [{}, chatConfig()]) {
      const gw = await startTestGateway(config);
      try {
        const res = await post(gw, '/v1/responses', { model: 'openclaw', input: 'hi' });
        expect(res.status).toBe(404);
      } finally {
        await gw.stop();
      }
    }
  });

  it('serves /v1/models and /v1/embeddings with responses alone, and not chat completions', async () => {
    const gw = await startTestGateway(responsesConfig());
    try {
      const models = await gw.request('/v1/models');
      expect(models.status).toBe(200);
      expect(((await models.json()) as any).data[0].id).toBe('openclaw');
      expect((await post(gw, '/v1/embeddings', { model: 'openclaw', input: 'x' })).status).toBe(200);
      expect((await post(gw, '/v1/chat/completions', { model: 'openclaw', messages: [] })).status).toBe(404);
      const r = await post(gw, '/v1/responses', { model: 'openclaw', input: 'hello echo' });
      expect(r.status).toBe(200);
      expect(((await r.json()) as any).output[0].content[0].text).toContain('hello echo');
      // Same auth as every /v1 route.
      const denied = await gw.request('/v1/responses', { method: 'POST', auth: 'wrong', body: '{}' });
      expect(denied.status).toBe(401);
      expect(((await denied.json()) as any).error.code).toBe('invalid_api_key');
    } finally {
      await gw.stop();
    }
  });
});

describe('wire edges', () => {
  let fake: FakeProvider;
  let gw: TestGateway;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    gw = await startTestGateway(
      responsesConfig(
        withFakeProvider(fake.url, {
          gateway: { http: { endpoints: { responses: { keepaliveMs: 100, maxBodyBytes: 4096 } } } },
        }),
      ),
    );
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
  });

  it('sends comment keepalives while the agent is quiet', async () => {
    fake.script({ tokens: ['late', ' answer'], delayMs: 400 });
    const res = await post(gw, '/v1/responses', { model: 'openclaw', input: 'hi', stream: true });
    const frames = (await res.text()).trim().split('\n\n');
    expect(frames).toContain(': keepalive');
    expect(frames.at(-1)).toMatch(/^event: response\.completed\n/);
  });

  it('aborts the provider request when a non-streaming client hangs up', async () => {
    fake.script({ text: Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '), delayMs: 20 });
    const before = fake.closedMidResponse;
    const controller = new AbortController();
    const pending = gw.request('/v1/responses', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openclaw', input: 'hi' }),
      signal: controller.signal,
    });
    await expect.poll(() => fake.openResponses, { timeout: 5000 }).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await fake.waitForClose(before + 1, 5000);
  });

  it('answers other methods with 405, an oversized body with 413, and an unknown id with 404, all OpenAI-shaped', async () => {
    const get = await gw.request('/v1/responses');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await post(gw, '/v1/responses', { model: 'openclaw', input: 'x'.repeat(5000) });
    expect(big.status).toBe(413);
    const missing = await gw.request('/v1/responses/resp_missing');
    expect(missing.status).toBe(404);
    for (const res of [get, big, missing]) {
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(Object.keys(((await res.json()) as any).error).sort()).toEqual(['code', 'message', 'param', 'type']);
    }
  });
});

describe('WS chat.abort', () => {
  let fake: FakeProvider;
  let gw: TestGateway;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    gw = await startTestGateway(responsesConfig(withFakeProvider(fake.url)));
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
  });

  it('aborts a Responses run on its session, which ends the stream with response.failed', async () => {
    fake.script({ text: Array.from({ length: 200 }, (_, i) => `slow${i}`).join(' '), delayMs: 20 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
    const stream = await client.responses.create({ model: 'openclaw', input: 'talk', user: 'Dana', stream: true });
    const socket = await connectClient(wsUrl(gw.url), gw.token);
    const events: ResponseStreamEvent[] = [];
    let runId = '';
    try {
      for await (const e of stream) {
        events.push(e);
        if (e.type === 'response.created') runId = e.response.id;
        if (e.type === 'response.output_text.delta' && events.length === 5) {
          const res = await socket.request('chat.abort', { sessionKey: 'agent:main:openresponses-user:dana' });
          expect(res.payload).toEqual({ ok: true, aborted: true, runIds: [runId] });
        }
      }
    } finally {
      socket.ws.terminate();
    }
    const last = events.at(-1)!;
    expect(last.type).toBe('response.failed');
    expect(events.map((e) => e.type)).not.toContain('response.completed');
    await fake.waitForClose(1, 5000);
  });
});
