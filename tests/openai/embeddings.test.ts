import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

const norm = (v: number[]) => Math.sqrt(v.reduce((n, x) => n + x * x, 0));

describe('POST /v1/embeddings on a fresh install (local/echo)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    gw = await startTestGateway(chatConfig());
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
  });
  afterAll(() => gw.stop());

  it('answers with deterministic unit vectors, through the SDK default base64 encoding', async () => {
    // The SDK asks for base64 and decodes it unless told otherwise.
    const a = await client.embeddings.create({ model: 'openclaw', input: ['hello world', 'other text'] });
    expect(a.object).toBe('list');
    expect(a.model).toBe('openclaw');
    expect(a.data.map((d) => d.index)).toEqual([0, 1]);
    for (const d of a.data) {
      expect(d.object).toBe('embedding');
      expect(d.embedding).toHaveLength(256);
      expect(norm(d.embedding)).toBeCloseTo(1, 4);
    }
    expect(a.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    const b = await client.embeddings.create({ model: 'openclaw', input: 'hello world', encoding_format: 'float' });
    expect(b.data[0]!.embedding.map((x) => Math.fround(x))).toEqual(a.data[0]!.embedding);
    expect(a.data[1]!.embedding).not.toEqual(a.data[0]!.embedding);
    const small = await client.embeddings.create({ model: 'openclaw', input: 'x', dimensions: 8 });
    expect(small.data[0]!.embedding).toHaveLength(8);
  });

  it('rejects token arrays and wrong types with a 400 naming the param', async () => {
    await expect(client.embeddings.create({ model: 'openclaw', input: [[1, 2, 3]] })).rejects.toMatchObject({
      status: 400,
      param: 'input',
    });
    await expect(
      client.embeddings.create({ model: 'openclaw', input: 'x', encoding_format: 'hex' as 'float' }),
    ).rejects.toMatchObject({ status: 400, param: 'encoding_format' });
    await expect(client.embeddings.create({ model: 'gpt-x', input: 'x' })).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });
});

describe('POST /v1/embeddings through a provider', () => {
  let fake: FakeProvider;
  let gw: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    gw = await startTestGateway(
      chatConfig(
        withFakeProvider(fake.url, {
          agents: { list: [{ id: 'main', embeddingModel: 'fake/emb-small' }, { id: 'bare' }] },
        }),
      ),
    );
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.stop();
    await fake.close();
  });

  it("uses the agent's embeddingModel with the provider's key, floats or base64 alike", async () => {
    const floats = await client.embeddings.create({
      model: 'openclaw',
      input: ['abc', 'hello'],
      encoding_format: 'float',
    });
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1/embeddings');
    expect(request.headers.authorization).toBe('Bearer fake-key');
    expect(request.body).toMatchObject({ model: 'emb-small', input: ['abc', 'hello'] });
    // The fake's vectors are [text length, index, 1, 1].
    expect(floats.data.map((d) => d.embedding)).toEqual([
      [3, 0, 1, 1],
      [5, 1, 1, 1],
    ]);
    expect(floats.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    const decoded = await client.embeddings.create({ model: 'openclaw', input: 'abcd' });
    expect(decoded.data[0]!.embedding).toEqual([4, 0, 1, 1]);
  });

  it('takes the model from x-openclaw-model, a bare id meaning the agent provider', async () => {
    await client.embeddings.create(
      { model: 'openclaw/bare', input: 'q', dimensions: 2 },
      { headers: { 'x-openclaw-model': 'emb-large' } },
    );
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: 'emb-large', dimensions: 2 });
  });

  it('is a 400 for an agent on a provider model with no embedding model set', async () => {
    await expect(client.embeddings.create({ model: 'openclaw/bare', input: 'q' })).rejects.toMatchObject({
      status: 400,
      code: 'embedding_model_not_configured',
    });
  });
});
