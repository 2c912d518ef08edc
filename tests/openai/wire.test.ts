import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
let fake: FakeProvider | undefined;
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  await fake?.close();
  gw = undefined;
  fake = undefined;
});

const json = { 'content-type': 'application/json' };
const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }], ...extra });

/** Reads a whole SSE body and returns its frames (text between blank lines). */
async function frames(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').filter((f) => f !== '');
}

describe('curl -N', () => {
  it('streams the README example on the echo model and prints data: [DONE] last', async () => {
    gw = await startTestGateway(chatConfig());
    const { stdout } = await run('curl', [
      '-sS',
      '-N',
      `${gw.url}/v1/chat/completions`,
      '-H',
      `Authorization: Bearer ${gw.token}`,
      '-H',
      'Content-Type: application/json',
      '-H',
      'x-openclaw-agent-id: main',
      '-d',
      '{"model": "openclaw", "stream": true, "messages": [{"role":"user","content":"hi"}]}',
    ]);
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.at(-1)).toBe('data: [DONE]');
    expect(lines.every((l) => l.startsWith('data: '))).toBe(true);
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)));
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(text).toMatch(/echo/i);
    expect(text).toContain('hi');
  });

  it('answers the non-streaming README example with JSON', async () => {
    gw = await startTestGateway(chatConfig());
    const { stdout } = await run('curl', [
      '-sS',
      `${gw.url}/v1/chat/completions`,
      '-H',
      `Authorization: Bearer ${gw.token}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      '{"model": "openclaw", "messages": [{"role":"user","content":"hi"}]}',
    ]);
    const body = JSON.parse(stdout);
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.content).toContain('hi');
  });
});

describe('stream wire format', () => {
  it('flushes headers before the run produces anything, and sends comment keepalives while idle', async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ tokens: ['late', ' answer'], delayMs: 400 });
    gw = await startTestGateway(
      chatConfig(
        withFakeProvider(fake.url, { gateway: { http: { endpoints: { chatCompletions: { keepaliveMs: 100 } } } } }),
      ),
    );
    const started = Date.now();
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: json,
      body: chatBody({ stream: true }),
    });
    expect(Date.now() - started).toBeLessThan(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const all = await frames(res);
    expect(all.some((f) => f === ': keepalive')).toBe(true);
    expect(all.at(-1)).toBe('data: [DONE]');
    expect(
      all
        .filter((f) => f.startsWith('data: {'))
        .map((f) => JSON.parse(f.slice(6)).choices[0]?.delta?.content ?? '')
        .join(''),
    ).toBe('late answer');
  });

  it('never sends a frame over 32 KiB, splitting long deltas', async () => {
    fake = await startFakeOpenAI();
    const big = 'x'.repeat(50_000) + '\u0001'.repeat(10_000) + '😀'.repeat(10_000);
    fake.setDefault({ tokens: [big] });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)));
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: json,
      body: chatBody({ stream: true }),
    });
    const all = await frames(res);
    for (const f of all) expect(Buffer.byteLength(f) + 2).toBeLessThanOrEqual(32 * 1024);
    const content = all
      .filter((f) => f.startsWith('data: {'))
      .map((f) => JSON.parse(f.slice(6)).choices[0]?.delta?.content ?? '')
      .join('');
    expect(content).toBe(big);
  });

  it('reports a failure after the headers as one error frame without choices, then [DONE]', async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'partial answer then boom', cutAfterChunks: 2, delayMs: 20 });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)));
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: json,
      body: chatBody({ stream: true }),
    });
    const all = await frames(res);
    expect(all.at(-1)).toBe('data: [DONE]');
    const error = JSON.parse(all.at(-2)!.slice(6));
    expect(Object.keys(error)).toEqual(['error']);
    expect(Object.keys(error.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(all.filter((f) => f.includes('"finish_reason":"stop"'))).toHaveLength(0);
  });
});

describe('client disconnect', () => {
  it('aborts a streaming run and its provider request promptly', async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'a b c d e f g h i j k l m n o p', delayMs: 100 });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)));
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let got = 0;
    let brokeAt = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) got++;
      if (got === 2) {
        brokeAt = Date.now();
        break;
      }
    }
    await fake.waitForClose(1, 2000);
    expect(Date.now() - brokeAt).toBeLessThan(400);
    await waitFor(() => [...gw!.ctx.runtime.activeRuns()].length === 0);
  });

  it('aborts a non-streaming run when the client goes away', async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'a b c d e f g h i j', delayMs: 200 });
    gw = await startTestGateway(chatConfig(withFakeProvider(fake.url)));
    const req = request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${gw.token}` },
    });
    req.on('error', () => {});
    req.end(chatBody());
    await waitFor(() => fake!.openResponses === 1);
    await new Promise((r) => setTimeout(r, 250));
    const destroyedAt = Date.now();
    req.destroy();
    await fake.waitForClose(1, 2000);
    expect(Date.now() - destroyedAt).toBeLessThan(400);
    await waitFor(() => [...gw!.ctx.runtime.activeRuns()].length === 0);
  });
});

describe('limits', () => {
  it('answers 413 before reading a body over maxBodyBytes', async () => {
    gw = await startTestGateway(
      chatConfig({ gateway: { http: { endpoints: { chatCompletions: { maxBodyBytes: 1024 } } } } }),
    );
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: json,
      body: chatBody({ pad: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'payload_too_large' });
  });

  it('maps a full run queue to 429 RateLimitError with retry-after', async () => {
    fake = await startFakeOpenAI();
    fake.setDefault({ text: 'slow slow slow', delayMs: 200 });
    gw = await startTestGateway(
      chatConfig(withFakeProvider(fake.url, { agents: { defaults: { maxConcurrent: 1, maxQueued: 0 } } })),
    );
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
    const first = client.chat.completions.create({ model: 'openclaw', messages: [{ role: 'user', content: 'one' }] });
    await waitFor(() => fake!.openResponses === 1);
    const err = await client.chat.completions
      .create({ model: 'openclaw', messages: [{ role: 'user', content: 'two' }] })
      .withResponse()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('1');
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    expect((await first).choices[0]!.message.content).toBe('slow slow slow');
  });
});

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
