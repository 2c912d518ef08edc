import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatConfig, startTestGateway, type TestGateway } from '../helpers/gateway.js';

const LIMIT = 4096;
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway(
    chatConfig({ gateway: { http: { endpoints: { chatCompletions: { maxBodyBytes: LIMIT } } } } }),
  );
});
afterAll(() => gw.stop());

const hi = JSON.stringify({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] });

function chunked(text: string, pieces: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const step = Math.ceil(bytes.length / pieces);
  return new ReadableStream({
    start(controller) {
      for (let i = 0; i < bytes.length; i += step) controller.enqueue(bytes.subarray(i, i + step));
      controller.close();
    },
  });
}

async function post(
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await gw.request('/v1/chat/completions', {
    method: 'POST',
    headers,
    body,
    duplex: 'half',
  } as RequestInit);
  return {
    status: res.status,
    body: (await res.json()) as { error?: { message: string; code: string | null; param: string | null } },
  };
}

describe('the chat request body', () => {
  it('is read whole when it arrives chunked, without a content-length', async () => {
    expect((await post(chunked(hi, 5))).status).toBe(200);
  });

  it('over the limit is refused with 413, by content-length or counted as it streams', async () => {
    const big = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(LIMIT) }] });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    expect(declared.body.error?.code).toBe('payload_too_large');
    const streamed = await post(chunked(big, 8));
    expect(streamed.status).toBe(413);
  });

  it('is UTF-8 with a leading byte-order mark dropped, as fetch reads it', async () => {
    expect((await post(`\ufeff${hi}`)).status).toBe(200);
  });

  it('is not JSON unless the content type says so', async () => {
    const res = await post(hi, { 'content-type': 'text/plain' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
  });

  it('that is empty or broken JSON is a 400 malformed-JSON error', async () => {
    for (const body of ['', '{"messages": [']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.error?.message).toBe('Malformed JSON in request body');
    }
  });
});
