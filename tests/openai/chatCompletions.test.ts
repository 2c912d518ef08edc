import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { chatConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

let fake: FakeProvider;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  gw = await startTestGateway(
    chatConfig(
      withFakeProvider(fake.url, {
        agents: {
          list: [
            { id: 'main', systemPrompt: 'You are MAIN.' },
            { id: 'beta', name: 'Beta agent', systemPrompt: 'You are BETA.' },
          ],
        },
      }),
    ),
  );
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.token, maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const lastRequest = () =>
  fake.requests.at(-1)!.body as {
    messages: Array<{ role: string; content: unknown; tool_calls?: unknown }>;
    [k: string]: unknown;
  };
const systemOf = (body: { messages: Array<{ role: string; content: unknown }> }) =>
  body.messages.find((m) => m.role === 'system')?.content;

describe('non-streaming', () => {
  it('returns a chat.completion the SDK parses, with real usage and the model echoed', async () => {
    fake.script({ text: 'Hello there friend', usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 4 } });
    const res = await client.chat.completions
      .create({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(res.response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.response.headers.get('x-request-id')).toBeTruthy();
    const c = res.data;
    expect(c.object).toBe('chat.completion');
    expect(c.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    expect(c.model).toBe('openclaw');
    expect(Number.isInteger(c.created)).toBe(true);
    expect(c.choices).toHaveLength(1);
    expect(c.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hello there friend' });
    expect(c.choices[0]!.finish_reason).toBe('stop');
    expect(c.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 3,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 4 },
    });
  });

  it('passes sampling fields to the provider', async () => {
    await client.chat.completions.create({
      model: 'openclaw',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      top_p: 0.9,
      max_completion_tokens: 77,
      stop: ['END'],
      seed: 42,
      presence_penalty: 0.1,
      frequency_penalty: -0.2,
    });
    expect(lastRequest()).toMatchObject({
      temperature: 0.5,
      top_p: 0.9,
      stop: ['END'],
      seed: 42,
      presence_penalty: 0.1,
      frequency_penalty: -0.2,
    });
    expect(lastRequest().max_tokens ?? lastRequest().max_completion_tokens).toBe(77);
  });

  it('adds system and developer text to the agent prompt without replacing it, and ignores unknown fields', async () => {
    await client.chat.completions.create({
      model: 'openclaw',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Use French.' },
        { role: 'user', content: 'hi' },
      ],
      reasoning_effort: 'low',
      logit_bias: { '1': 2 },
      metadata: { a: 'b' },
      // Unknown to the SDK's types too: clients send such fields.
      ...({ some_future_field: { x: 1 } } as object),
    });
    const system = String(systemOf(lastRequest()));
    expect(system).toContain('You are MAIN.');
    expect(system).toContain('Be brief.');
    expect(system).toContain('Use French.');
    expect(system.indexOf('You are MAIN.')).toBeLessThan(system.indexOf('Be brief.'));
  });
});

describe('streaming', () => {
  it('streams role, content, one finish chunk and no usage chunk unless asked', async () => {
    fake.script({ text: 'one two three' });
    const stream = await client.chat.completions.create({
      model: 'openclaw:main',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(new Set(chunks.map((c) => c.created)).size).toBe(1);
    expect(chunks.every((c) => c.model === 'openclaw:main' && c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('one two three');
    const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finishes).toHaveLength(1);
    expect(finishes[0]!.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' });
    expect(chunks.at(-1)).toBe(finishes[0]);
    expect(chunks.some((c) => c.choices.length === 0)).toBe(false);
  });

  it('ends with a usage chunk with empty choices when stream_options.include_usage is set', async () => {
    fake.script({ text: 'a b', usage: { promptTokens: 9, completionTokens: 2, cachedTokens: 0 } });
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'hi' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 });
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('works with the SDK stream helper, which demands role and finish_reason', async () => {
    fake.script({ text: 'helper works fine' });
    const runner = client.chat.completions.stream({ model: 'openclaw', messages: [{ role: 'user', content: 'hi' }] });
    const deltas: string[] = [];
    runner.on('content', (delta) => deltas.push(delta));
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('helper works fine');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(deltas.length).toBeGreaterThan(1);
  });

  it('surfaces a provider failure mid-stream as an SDK error, not silent truncation', async () => {
    fake.script({ text: 'this will be cut short soon', cutAfterChunks: 3, delayMs: 20 });
    const stream = await client.chat.completions.create({
      model: 'openclaw',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow(OpenAI.APIError);
    expect(seen.join('')).not.toBe('this will be cut short soon');
  });
});

describe('tool calling', () => {
  const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'Weather for a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
    },
  ];

  it('round-trips a client tool call without streaming', async () => {
    fake.script({ toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const first = await client.chat.completions.create({
      model: 'openclaw',
      tools,
      tool_choice: 'auto',
      messages: [{ role: 'user', content: 'weather?' }],
    });
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    const call = first.choices[0]!.message.tool_calls![0]!;
    expect(call).toMatchObject({
      id: 'call_abc',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    });
    const sentTools = lastRequest().tools as Array<{ function: { name: string } }>;
    expect(sentTools.map((t) => t.function.name)).toContain('get_weather');

    fake.script((body: { messages: Array<{ role: string; content: string; tool_call_id?: string }> }) => {
      const result = body.messages.find((m) => m.role === 'tool');
      return { text: `It is ${result?.content} (for ${result?.tool_call_id})` };
    });
    const second = await client.chat.completions.create({
      model: 'openclaw',
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        first.choices[0]!.message,
        { role: 'tool', tool_call_id: call.id, content: 'sunny' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('It is sunny (for call_abc)');
    expect(second.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams tool calls as OpenAI does: identity fragment first, then arguments', async () => {
    fake.script({
      toolCalls: [
        {
          id: 'call_s1',
          name: 'get_weather',
          arguments: '{"city":"Oslo"}',
          argumentChunks: ['{"ci', 'ty":"Os', 'lo"}'],
        },
      ],
    });
    const runner = client.chat.completions.stream({
      model: 'openclaw',
      tools,
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const raw: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    runner.on('chunk', (c) => raw.push(c));
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.tool_calls![0]).toMatchObject({
      id: 'call_s1',
      type: 'function',
      function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
    });
    const fragments = raw.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(fragments[0]).toEqual({
      index: 0,
      id: 'call_s1',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    for (const f of fragments.slice(1)) expect(Object.keys(f).sort()).toEqual(['function', 'index']);
  });

  it('passes tool_choice to the provider', async () => {
    await client.chat.completions.create({
      model: 'openclaw',
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(lastRequest().tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    await client.chat.completions.create({
      model: 'openclaw',
      tools,
      tool_choice: 'none',
      messages: [{ role: 'user', content: 'x' }],
    });
    const names = ((lastRequest().tools as Array<{ function: { name: string } }> | undefined) ?? []).map(
      (t) => t.function.name,
    );
    expect(names).not.toContain('get_weather');
  });
});

describe('errors map to the SDK exception classes', () => {
  it('400 BadRequestError naming param for bad fields', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
      [{ messages: [{ role: 'user', content: 'x' }], top_p: -1 }, 'top_p'],
      [{ messages: [{ role: 'user', content: 'x' }], n: 2 }, 'n'],
      [{ messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
      [{ messages: [{ role: 'user', content: 'x' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ messages: [{ role: 'nobody', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'system', content: 'only system' }] }, 'messages'],
      [
        { messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name!' } }] },
        'tools[0].function.name',
      ],
    ];
    for (const [body, param] of cases) {
      const err = await client.chat.completions.create({ model: 'openclaw', ...body } as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).param, JSON.stringify(body)).toBe(param);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).type).toBe('invalid_request_error');
    }
  });

  it('401 AuthenticationError with code invalid_api_key', async () => {
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'nope', maxRetries: 0 });
    const err = await bad.chat.completions
      .create({ model: 'openclaw', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('invalid_api_key');
    expect((err as InstanceType<typeof OpenAI.APIError>).requestID).toBeTruthy();
  });

  it('404 NotFoundError model_not_found listing valid ids', async () => {
    const err = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
    expect((err as Error).message).toContain('openclaw/beta');
  });

  it('400 for invalid JSON, OpenAI-shaped', async () => {
    const res = await gw.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": ',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'invalid_request_error', param: null });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('502 InternalServerError when the provider fails before any output', async () => {
    fake.script({ kind: 'error', status: 400, message: 'upstream says no' });
    const err = await client.chat.completions
      .create({ model: 'openclaw', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).type).toBe('api_error');
    expect((err as Error).message).not.toMatch(/fake-key|at .*\.ts/);
  });
});

describe('agent routing', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['openclaw', {}, 'You are MAIN.'],
    ['openclaw/default', {}, 'You are MAIN.'],
    ['openclaw:beta', {}, 'You are BETA.'],
    ['openclaw/beta', {}, 'You are BETA.'],
    ['agent:beta', {}, 'You are BETA.'],
    ['OpenClaw:Beta', {}, 'You are BETA.'],
    ['gpt-4o', { 'x-openclaw-agent-id': 'beta' }, 'You are BETA.'],
    ['openclaw:main', { 'x-openclaw-agent-id': 'beta' }, 'You are BETA.'],
  ];
  for (const [model, headers, prompt] of cases) {
    it(`routes model ${model} ${JSON.stringify(headers)}`, async () => {
      const c = await client.chat.completions.create(
        { model, messages: [{ role: 'user', content: 'x' }] },
        { headers },
      );
      expect(c.model).toBe(model);
      expect(String(systemOf(lastRequest()))).toContain(prompt);
    });
  }

  it('404s an unknown agent named by header', async () => {
    const err = await client.chat.completions
      .create(
        { model: 'openclaw', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-openclaw-agent-id': 'ghost' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('sessions', () => {
  it('shares a session across calls with the same user, and not without one', async () => {
    await client.chat.completions.create({
      model: 'openclaw',
      user: 'Alice',
      messages: [{ role: 'user', content: 'my name is Alice' }],
    });
    await client.chat.completions.create({
      model: 'openclaw',
      user: 'alice',
      messages: [{ role: 'user', content: 'what is my name?' }],
    });
    const history = lastRequest().messages.map((m) => m.content);
    expect(history).toContain('my name is Alice');
    expect(history).toContain('what is my name?');

    await client.chat.completions.create({ model: 'openclaw', messages: [{ role: 'user', content: 'stateless one' }] });
    await client.chat.completions.create({ model: 'openclaw', messages: [{ role: 'user', content: 'stateless two' }] });
    const stateless = lastRequest().messages.map((m) => m.content);
    expect(stateless).not.toContain('stateless one');
    const sessions = await gw.ctx.store.list();
    expect(sessions.map((s) => s.key)).toContain('agent:main:openai-user:alice');
    expect(sessions.some((s) => s.key.includes(':openai:'))).toBe(false);
  });

  it('uses x-openclaw-session-key as is and rejects an invalid one', async () => {
    await client.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'keyed' }] },
      { headers: { 'x-openclaw-session-key': 'my:key/1' } },
    );
    expect((await gw.ctx.store.load('my:key/1'))?.messages.length).toBe(2);
    const err = await client.chat.completions
      .create(
        { model: 'openclaw', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-openclaw-session-key': 'bad key!' } },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('appends only the new turn when the client resends the transcript', async () => {
    const key = { 'x-openclaw-session-key': 'resend-test' };
    fake.script({ text: 'first answer' });
    await client.chat.completions.create(
      { model: 'openclaw', messages: [{ role: 'user', content: 'q1' }] },
      { headers: key },
    );
    fake.script({ text: 'second answer' });
    await client.chat.completions.create(
      {
        model: 'openclaw',
        messages: [
          { role: 'user', content: 'q1' },
          { role: 'assistant', content: 'first answer' },
          { role: 'user', content: 'q2' },
        ],
      },
      { headers: key },
    );
    const stored = await gw.ctx.store.load('resend-test');
    expect(stored!.messages.map((m) => m.content)).toEqual(['q1', 'first answer', 'q2', 'second answer']);
    expect(
      lastRequest()
        .messages.filter((m) => m.role !== 'system')
        .map((m) => m.content),
    ).toEqual(['q1', 'first answer', 'q2']);
  });
});

describe('images', () => {
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

  it('passes a base64 data URI image to the provider', async () => {
    await client.chat.completions.create({
      model: 'openclaw',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          ],
        },
      ],
    });
    const parts = lastRequest().messages.at(-1)!.content as Array<{ type: string; image_url?: { url: string } }>;
    expect(parts.find((p) => p.type === 'image_url')?.image_url?.url).toBe(`data:image/png;base64,${png}`);
  });

  it('refuses remote URLs by default, bad types and too many images with a 400', async () => {
    const bad: Array<[unknown[], RegExp]> = [
      [[{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }], /Remote image URLs are not allowed/],
      [[{ type: 'image_url', image_url: { url: `data:image/tiff;base64,${png}` } }], /not allowed/],
      [[{ type: 'image_url', image_url: { url: 'data:image/png;base64,@@@@' } }], /base64/],
      [
        Array.from({ length: 9 }, () => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } })),
        /Too many images/,
      ],
    ];
    for (const [content, message] of bad) {
      const err = await client.chat.completions
        .create({ model: 'openclaw', messages: [{ role: 'user', content } as never] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as Error).message).toMatch(message);
      expect((err as InstanceType<typeof OpenAI.APIError>).param).toMatch(/^messages\[0\]\.content\[\d\]/);
    }
  });
});

describe('models', () => {
  it('lists the agents as models and serves each by id', async () => {
    const list = await client.models.list();
    expect(list.data.map((m) => m.id)).toEqual(['openclaw', 'openclaw/default', 'openclaw/main', 'openclaw/beta']);
    for (const m of list.data) expect(m).toMatchObject({ object: 'model', owned_by: 'openclaw', created: 0 });
    expect((list.data[3] as unknown as { name: string }).name).toBe('Beta agent');
    const one = await client.models.retrieve('openclaw/beta');
    expect(one.id).toBe('openclaw/beta');
    const err = await client.models.retrieve('openclaw/ghost').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_found');
  });
});
