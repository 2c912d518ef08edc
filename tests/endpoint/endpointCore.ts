import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeOpenAI } from '../fixtures/fakeOpenAI.js';

/** A gateway as the suite talks to it: over a real socket, or straight into `app.fetch`. */
export interface EndpointTarget {
  /** Origin the requests name (for `app.fetch`, any origin: nothing is dialled). */
  url: string;
  token: string;
  fetch: typeof fetch;
  activeRuns(): number;
  close(): Promise<void>;
}

/** The gateway config the suite needs, on top of the fake provider. */
export const CORE_MAX_BODY_BYTES = 8192;

/**
 * The endpoint's core behaviours (non-streaming, streaming, errors, abort), written once and run
 * against each edge. The model provider is a real HTTP server on loopback in both cases.
 */
export function describeEndpointCore(edge: string, open: (providerUrl: string) => Promise<EndpointTarget>): void {
  describe(`POST /v1/chat/completions on the ${edge}`, () => {
    let fake: FakeProvider;
    let target: EndpointTarget;
    let client: OpenAI;

    beforeAll(async () => {
      fake = await startFakeOpenAI();
      target = await open(fake.url);
      client = new OpenAI({ baseURL: `${target.url}/v1`, apiKey: target.token, maxRetries: 0, fetch: target.fetch });
    });
    afterAll(async () => {
      await target.close();
      await fake.close();
    });
    beforeEach(() => {
      fake.requests.length = 0;
    });

    const post = (body: string, headers: Record<string, string> = {}) =>
      target.fetch(`${target.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json', ...headers },
        body,
      });
    const until = async (condition: () => boolean, timeoutMs = 3000): Promise<void> => {
      const end = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > end) throw new Error('condition not met in time');
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    it('answers without streaming: a chat.completion the SDK parses, usage and model echoed', async () => {
      fake.script({ text: 'Hello there', usage: { promptTokens: 9, completionTokens: 2, cachedTokens: 1 } });
      const { data, response } = await client.chat.completions
        .create({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      expect(data).toMatchObject({ object: 'chat.completion', model: 'openclaw' });
      expect(data.id).toMatch(/^chatcmpl-/);
      expect(data.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'Hello there' } });
      expect(data.choices[0]!.finish_reason).toBe('stop');
      expect(data.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
      expect(fake.requests).toHaveLength(1);
    });

    it('streams: role chunk, content deltas, one finish chunk, a usage chunk when asked, then [DONE]', async () => {
      fake.script({ text: 'one two three' });
      const stream = await client.chat.completions.create({
        model: 'openclaw',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hi' }],
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three');
      expect(chunks.filter((c) => c.choices[0]?.finish_reason)).toHaveLength(1);
      expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number) } });

      fake.script({ text: 'raw' });
      const res = await post(
        JSON.stringify({ model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      );
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
      expect(frames.at(-1)).toBe('data: [DONE]');
    });

    it('refuses bad requests with the OpenAI error the SDK maps to its classes', async () => {
      const noAuth = new OpenAI({ baseURL: `${target.url}/v1`, apiKey: 'wrong', maxRetries: 0, fetch: target.fetch });
      const unauthorized = await noAuth.models.list().catch((e: unknown) => e);
      expect(unauthorized).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((unauthorized as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');

      const badField = await client.chat.completions
        .create({ model: 'openclaw', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' as never })
        .catch((e: unknown) => e);
      expect(badField).toBeInstanceOf(OpenAI.BadRequestError);
      expect((badField as InstanceType<typeof OpenAI.APIError>).param).toBe('temperature');

      const unknownModel = await client.chat.completions
        .create({ model: 'openclaw:nobody', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(unknownModel).toBeInstanceOf(OpenAI.NotFoundError);
      expect((unknownModel as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');

      const malformed = await post('{"messages": [');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toEqual({
        error: { message: 'Malformed JSON in request body', type: 'invalid_request_error', param: null, code: null },
      });

      const tooLarge = await post(
        JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(CORE_MAX_BODY_BYTES) }] }),
      );
      expect(tooLarge.status).toBe(413);
      expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
      expect(fake.requests).toHaveLength(0);
    });

    it('reports a provider failure: 502 before any output, one error frame after the headers', async () => {
      fake.script({ kind: 'error', status: 400, message: 'upstream says no' });
      const before = await client.chat.completions
        .create({ model: 'openclaw', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect(before).toBeInstanceOf(OpenAI.InternalServerError);
      expect((before as InstanceType<typeof OpenAI.APIError>).status).toBe(502);

      fake.script({ text: 'partial answer then boom', cutAfterChunks: 2, delayMs: 20 });
      const res = await post(
        JSON.stringify({ model: 'openclaw', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      );
      const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
      expect(frames.at(-1)).toBe('data: [DONE]');
      expect(JSON.parse(frames.at(-2)!.slice(6))).toEqual({
        error: { message: expect.any(String), type: 'api_error', param: null, code: 'upstream_error' },
      });
    });

    it('aborts the run and its provider request when the client stops reading a stream', async () => {
      fake.script({ text: 'a b c d e f g h i j k l m n o p', delayMs: 100 });
      const closed = fake.closedMidResponse;
      const stream = await client.chat.completions.create({
        model: 'openclaw',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
      let got = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) got++;
        if (got === 2) break;
      }
      await fake.waitForClose(closed + 1, 3000);
      await until(() => target.activeRuns() === 0);
    });

    it('aborts a non-streaming run when the client gives up waiting', async () => {
      fake.script({ text: 'a b c d e f g h i j', delayMs: 200 });
      const closed = fake.closedMidResponse;
      const controller = new AbortController();
      const answer = client.chat.completions
        .create({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal })
        .catch((e: unknown) => e);
      await until(() => fake.openResponses === 1);
      controller.abort();
      expect(await answer).toBeInstanceOf(OpenAI.APIUserAbortError);
      await fake.waitForClose(closed + 1, 3000);
      await until(() => target.activeRuns() === 0);
    });
  });
}
