import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, SamplingParams, ToolChoice, ToolSpec } from '../../src/messages.js';
import { configSchema } from '../../src/config/schema.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { ProviderError, type ModelEvent, type ModelRegistry } from '../../src/providers/types.js';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';

// Short enough for the stall tests, long enough that a loaded CI box does not trip it on a healthy stream.
const IDLE_MS = 1000;
let fake: FakeProvider;
let registry: ModelRegistry;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  const config = configSchema.parse({
    models: {
      providers: {
        fake: { api: 'openai-completions', baseUrl: fake.url, apiKey: '${FAKE_OPENAI_KEY}' },
        keyless: { api: 'openai-completions', baseUrl: fake.url },
        headered: {
          api: 'openai-completions',
          baseUrl: `${fake.url}/`,
          apiKey: '${FAKE_OPENAI_KEY}',
          headers: { Authorization: 'Bearer from-config', 'X-Team': 'blue' },
        },
      },
    },
  });
  registry = createModelRegistry(config, { FAKE_OPENAI_KEY: 'sk-test-secret-123456' }, { idleTimeoutMs: IDLE_MS });
});

afterAll(() => fake.close());

beforeEach(() => {
  fake.requests.length = 0;
});

interface Turn {
  ref?: string;
  system?: string;
  messages?: ChatMessage[];
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
  sampling?: SamplingParams;
  signal?: AbortSignal;
  /** Called after each event; lets a test abort mid-stream. */
  onEvent?: (event: ModelEvent) => void;
}

async function turn(options: Turn = {}): Promise<{ events: ModelEvent[]; error?: ProviderError }> {
  const model = registry.resolve(options.ref ?? 'fake/gpt-test')!;
  const events: ModelEvent[] = [];
  try {
    const stream = registry.stream(model)({
      model,
      system: options.system ?? '',
      messages: options.messages ?? [{ role: 'user', content: 'hello there' }],
      tools: options.tools ?? [],
      toolChoice: options.toolChoice,
      sampling: options.sampling ?? {},
      signal: options.signal ?? new AbortController().signal,
    });
    for await (const event of stream) {
      events.push(event);
      options.onEvent?.(event);
    }
    return { events };
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return { events, error };
  }
}

const texts = (events: ModelEvent[]): string[] => events.flatMap((e) => (e.type === 'text_delta' ? [e.delta] : []));

describe('openai-completions provider over the fake OpenAI server', () => {
  it('streams text deltas and reports usage with cached tokens', async () => {
    fake.script({
      tokens: ['Hel', 'lo', ' world'],
      delayMs: 5,
      usage: { promptTokens: 50, completionTokens: 3, cachedTokens: 20 },
    });
    const { events, error } = await turn();
    expect(error).toBeUndefined();
    expect(texts(events)).toEqual(['Hel', 'lo', ' world']);
    expect(events.at(-1)).toEqual({
      type: 'done',
      reason: 'stop',
      usage: { promptTokens: 50, completionTokens: 3, cachedTokens: 20, totalTokens: 53 },
    });
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
  });

  it('sends the system prompt, messages, tools and sampling as the OpenAI wire expects', async () => {
    const { error } = await turn({
      system: 'You are terse.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
            { type: 'image_url', url: 'https://example.com/cat.jpg' },
          ],
        },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
      ],
      tools: [
        {
          name: 'lookup',
          description: 'Look a thing up',
          parameters: { type: 'object', properties: { q: { type: 'string' } } },
        },
      ],
      toolChoice: { name: 'lookup' },
      sampling: {
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 77,
        stop: ['END'],
        seed: 7,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
      },
    });
    expect(error).toBeUndefined();
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer sk-test-secret-123456');
    expect(request.body).toMatchObject({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 77,
      stop: ['END'],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      tools: [
        {
          type: 'function',
          function: {
            name: 'lookup',
            description: 'Look a thing up',
            parameters: { type: 'object', properties: { q: { type: 'string' } } },
          },
        },
      ],
    });
    expect(request.body.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"q":"cat"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
    ]);
  });

  it('leaves out what was not asked for and sends no credentials to a keyless provider', async () => {
    await turn({ ref: 'keyless/llama', toolChoice: 'required' });
    const request = fake.requests[0]!;
    expect(request.headers.authorization).toBeUndefined();
    expect(request.body.messages).toEqual([{ role: 'user', content: 'hello there' }]);
    for (const key of ['tools', 'tool_choice', 'temperature', 'top_p', 'max_tokens', 'stop', 'seed']) {
      expect(request.body).not.toHaveProperty(key);
    }
  });

  it('sends configured headers over its own, one value each, to a base URL with a trailing slash', async () => {
    const { error } = await turn({ ref: 'headered/gpt-test' });
    expect(error).toBeUndefined();
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe('Bearer from-config');
    expect(request.headers['x-team']).toBe('blue');
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('streams tool calls by index and answers differently once the tool result comes back', async () => {
    fake.script((body) =>
      body.messages.at(-1).role === 'tool'
        ? { text: `the tool said ${body.messages.at(-1).content}` }
        : {
            text: 'Let me check.',
            toolCalls: [
              { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
              {
                id: 'call_b',
                name: 'time',
                arguments: '{"tz":"Europe/Paris"}',
                argumentChunks: ['{"tz":', '"Europe/', 'Paris"}'],
              },
            ],
          },
    );
    fake.script((body) =>
      body.messages.at(-1).role === 'tool' ? { text: `the tool said ${body.messages.at(-1).content}` } : { text: 'no' },
    );
    const first = await turn({ tools: [{ name: 'weather' }, { name: 'time' }] });
    expect(first.error).toBeUndefined();
    expect(texts(first.events).join('')).toBe('Let me check.');
    const starts = first.events.filter((e) => e.type === 'toolcall_start');
    expect(starts).toEqual([
      { type: 'toolcall_start', index: 0, id: 'call_a', name: 'weather' },
      { type: 'toolcall_start', index: 1, id: 'call_b', name: 'time' },
    ]);
    const args = (index: number): string =>
      first.events.map((e) => (e.type === 'toolcall_delta' && e.index === index ? e.delta : '')).join('');
    expect(args(0)).toBe('{"city":"Paris"}');
    expect(args(1)).toBe('{"tz":"Europe/Paris"}');
    expect(first.events.filter((e) => e.type === 'toolcall_delta' && e.index === 1)).toHaveLength(3);
    expect(first.events.at(-1)).toMatchObject({ type: 'done', reason: 'tool_calls' });

    const second = await turn({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: 'Let me check.',
          toolCalls: [{ id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' }],
        },
        { role: 'tool', toolCallId: 'call_a', content: 'sunny' },
      ],
    });
    expect(texts(second.events).join('')).toBe('the tool said sunny');
  });

  it('reports a length stop', async () => {
    fake.script({ text: 'cut short', finishReason: 'length' });
    const { events } = await turn();
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'length' });
  });

  it.each([
    [429, 'rate_limited', true],
    [500, 'server', true],
    [503, 'server', true],
    [400, 'client', false],
  ] as const)('maps HTTP %i to a %s ProviderError', async (status, kind, retryable) => {
    fake.script({ kind: 'error', status, message: `upstream says ${status}`, retryAfterSeconds: 1 });
    const { events, error } = await turn();
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error!.kind).toBe(kind);
    expect(error!.status).toBe(status);
    expect(error!.retryable).toBe(retryable);
    expect(error!.message).toContain(`upstream says ${status}`);
    expect(error!.message).toContain('fake/gpt-test');
  });

  it('keeps the API key out of error messages', async () => {
    fake.script({ kind: 'error', status: 401, message: 'Incorrect API key provided: sk-test-secret-123456.' });
    const { error } = await turn();
    expect(error!.kind).toBe('client');
    expect(error!.message).not.toContain('sk-test-secret-123456');
    expect(error!.message).not.toMatch(/\n\s+at /);
  });

  it('turns a connection cut mid-stream into a connection error after the first deltas', async () => {
    fake.script({ text: 'one two three four five', delayMs: 20, cutAfterChunks: 3 });
    const { events, error } = await turn();
    expect(texts(events).length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error?.kind).toBe('connection');
    expect(error!.retryable).toBe(true);
  });

  it('reports a refused connection as a connection error', async () => {
    const gone = await startFakeOpenAI();
    const url = gone.url;
    await gone.close();
    const config = configSchema.parse({ models: { providers: { dead: { api: 'openai-completions', baseUrl: url } } } });
    const deadRegistry = createModelRegistry(config, {});
    const model = deadRegistry.resolve('dead/x')!;
    const stream = deadRegistry.stream(model)({
      model,
      system: '',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      sampling: {},
      signal: new AbortController().signal,
    });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ kind: 'connection' });
  });

  it('turns an error chunk inside a 200 stream into a server error', async () => {
    fake.script({ text: 'one two three', delayMs: 5, errorEventAfterChunks: 2, errorEventMessage: 'busy right now' });
    const { events, error } = await turn();
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error?.kind).toBe('server');
    expect(error!.retryable).toBe(true);
    expect(error!.message).toContain('busy right now');
  });

  it('fails a stalled stream with idle_timeout and hangs up on the provider', async () => {
    fake.script({ text: 'never finishes', stallAfterChunks: 2 });
    const closesBefore = fake.closedMidResponse;
    const started = Date.now();
    const { events, error } = await turn();
    const elapsed = Date.now() - started;
    expect(error?.kind).toBe('idle_timeout');
    expect(texts(events)).toEqual(['never']);
    expect(elapsed).toBeGreaterThanOrEqual(IDLE_MS - 20);
    expect(elapsed).toBeLessThan(IDLE_MS + 2000);
    await fake.waitForClose(closesBefore + 1);
  });

  it('times out a provider that sends headers and then nothing', async () => {
    fake.script({ text: 'x', stallAfterChunks: 0 });
    const closesBefore = fake.closedMidResponse;
    const { events, error } = await turn();
    expect(events).toEqual([]);
    expect(error?.kind).toBe('idle_timeout');
    await fake.waitForClose(closesBefore + 1);
  });

  it('stops the upstream request when the signal aborts mid-stream', async () => {
    fake.script({ text: 'a b c d e f g h i j', delayMs: 50 });
    const closesBefore = fake.closedMidResponse;
    const controller = new AbortController();
    const { events, error } = await turn({
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'text_delta') controller.abort();
      },
    });
    expect(error?.kind).toBe('aborted');
    expect(error!.retryable).toBe(false);
    expect(texts(events)).toEqual(['a']);
    await fake.waitForClose(closesBefore + 1);
    expect(fake.openResponses).toBe(0);
  });

  it('does not call the provider when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const { error } = await turn({ signal: controller.signal });
    expect(error?.kind).toBe('aborted');
    expect(fake.requests).toHaveLength(0);
  });

  it('echoes the last user message by default, so tests can see what reached the model', async () => {
    const { events } = await turn({ messages: [{ role: 'user', content: 'ping 42' }] });
    expect(texts(events).join('')).toBe('echo: ping 42');
  });
});
