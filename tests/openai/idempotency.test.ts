import OpenAI, { ConflictError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryIdempotencyStore } from '../../src/idempotency/answerStore.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

let provider: FakeProvider;
let gw: TestGateway;
let keys = 0;
const newKey = () => `idem-${Date.now()}-${++keys}`;

beforeAll(async () => {
  provider = await startFakeOpenAI();
  gw = await startTestGateway(chatConfig(withFakeProvider(provider.url)));
});

afterAll(async () => {
  await gw.stop();
  await provider.close();
});

beforeEach(() => {
  provider.requests.length = 0;
  provider.setDefault({ text: 'one two three', delayMs: 5 });
});

const chatRequests = () =>
  [...(gw.ctx.metrics.http.get('/v1/chat/completions')?.requests.get('POST')?.values() ?? [])].reduce(
    (a, b) => a + b,
    0,
  );

function post(body: unknown, headers: Record<string, string>) {
  return gw.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('Idempotency-Key', () => {
  it('lets an SDK retry after a timeout pick up the first run: one provider call, one id, one stored turn', async () => {
    // Six tokens 120 ms apart outlast the client's 350 ms timeout; the SDK retries with the same headers.
    provider.setDefault({ text: 'a b c d e f', delayMs: 120 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, timeout: 350, maxRetries: 4 });
    const key = newKey();
    const headers = { 'Idempotency-Key': key, 'x-openclaw-session-key': `retry-session-${key}` };
    const before = chatRequests();

    const completion = await client.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'long job' }] },
      { headers },
    );

    expect(chatRequests() - before).toBeGreaterThanOrEqual(2);
    expect(completion.choices[0]!.message.content).toBe('a b c d e f');
    expect(provider.requests).toHaveLength(1);
    const again = await post({ model: 'openclaw', messages: [{ role: 'user', content: 'long job' }] }, headers);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(JSON.parse(JSON.stringify(completion)));
    expect(provider.requests).toHaveLength(1);
    const stored = await gw.ctx.store.load(`retry-session-${key}`);
    expect(stored?.messages.map((m) => m.content)).toEqual(['long job', 'a b c d e f']);
    expect(stored?.session.messageCount).toBe(2);
  });

  it('answers a reused key with another body with an OpenAI-shaped 409 the SDK does not retry', async () => {
    const key = newKey();
    const first = await post(
      { model: 'openclaw', messages: [{ role: 'user', content: 'first' }] },
      { 'Idempotency-Key': key },
    );
    expect(first.status).toBe(200);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 2 });
    const before = chatRequests();
    const err = await client.chat.completions
      .create(
        { model: 'openclaw', messages: [{ role: 'user', content: 'second' }] },
        { headers: { 'Idempotency-Key': key } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).status).toBe(409);
    expect((err as ConflictError).error).toEqual({
      message: expect.stringContaining('same parameters'),
      type: 'invalid_request_error',
      param: null,
      code: 'idempotency_key_reused',
    });
    expect(chatRequests() - before).toBe(1);
    expect(provider.requests).toHaveLength(1);
  });

  it('replays a finished stream frame for frame, and attaches a retry to a stream still running', async () => {
    provider.setDefault({ text: 'w1 w2 w3 w4 w5', delayMs: 60 });
    const body = { model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'stream it' }] };
    const key = newKey();
    const first = await post(body, { 'Idempotency-Key': key });
    const reader = first.body!.getReader();
    const firstChunk = new TextDecoder().decode((await reader.read()).value);
    expect(firstChunk).toContain('chat.completion.chunk');
    // Attached while the first is still streaming.
    const follower = await post(body, { 'Idempotency-Key': key });
    expect(follower.headers.get('content-type')).toContain('text/event-stream');
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    const original = firstChunk + rest;
    const followed = await follower.text();
    expect(followed).toBe(original);
    expect(original.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const replayed = await (await post(body, { 'Idempotency-Key': key })).text();
    expect(replayed).toBe(original);
    expect(provider.requests).toHaveLength(1);
  });

  it('changes nothing without the header, and runs a failed first attempt again', async () => {
    const body = { model: 'openclaw', messages: [{ role: 'user', content: 'plain' }] };
    const a = (await (await post(body, {})).json()) as { id: string };
    const b = (await (await post(body, {})).json()) as { id: string };
    expect(a.id).not.toBe(b.id);
    expect(provider.requests).toHaveLength(2);

    provider.script({ kind: 'error', status: 400, message: 'bad upstream' });
    const key = newKey();
    const failed = await post(body, { 'Idempotency-Key': key });
    expect(failed.status).toBe(502);
    const retried = await post(body, { 'Idempotency-Key': key });
    expect(retried.status).toBe(200);
    expect(provider.requests).toHaveLength(4);
  });

  it('refuses an empty or overlong key', async () => {
    const body = { model: 'openclaw', messages: [{ role: 'user', content: 'x' }] };
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await post(body, { 'Idempotency-Key': key });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_idempotency_key');
    }
  });
});

describe('MemoryIdempotencyStore', () => {
  it('keeps answers for the configured time and count', () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ ttlMs: 1000, maxEntries: 2 }, () => now);
    const first = store.claim('a', 'fp', false);
    expect(first.kind).toBe('first');
    if (first.kind === 'first') first.recorder.json({ status: 200, body: '{}', headers: {} });
    expect(store.claim('a', 'fp', false).kind).toBe('replay');
    expect(store.claim('a', 'other', false).kind).toBe('conflict');
    store.claim('b', 'fp', false);
    store.claim('c', 'fp', false);
    expect(store.size).toBe(2);
    expect(store.claim('a', 'fp', false).kind).toBe('first');
    now = 1000;
    expect(store.claim('c', 'fp', false).kind).toBe('first');
    expect(store.size).toBe(1);
  });
});
