import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, SamplingParams, ToolChoice, ToolSpec } from '../../src/messages.js';
import { configSchema } from '../../src/config/schema.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { ProviderError, type ModelEvent, type ModelRegistry } from '../../src/providers/types.js';
import { startFakeAnthropic, type FakeProvider } from '../fixtures/fakeAnthropic.js';

// Short enough for the stall tests, long enough that a loaded CI box does not trip it on a healthy stream.
const IDLE_MS = 1000;
let fake: FakeProvider;
let registry: ModelRegistry;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  const config = configSchema.parse({
    models: {
      providers: {
        // Written the way the fake reports it (ending in /v1) and the way Anthropic documents it (bare host).
        claude: {
          api: 'anthropic-messages',
          baseUrl: fake.url,
          apiKey: '${FAKE_ANTHROPIC_KEY}',
          headers: { 'x-team': 'gateway' },
          models: [{ id: 'claude-big', maxTokens: 8000 }],
        },
        bare: { api: 'anthropic-messages', baseUrl: fake.url.replace(/\/v1$/, ''), apiKey: 'literal-key' },
      },
    },
  });
  registry = createModelRegistry(
    config,
    { FAKE_ANTHROPIC_KEY: 'sk-ant-test-secret-99999' },
    { idleTimeoutMs: IDLE_MS },
  );
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
  onEvent?: (event: ModelEvent) => void;
}

async function turn(options: Turn = {}): Promise<{ events: ModelEvent[]; error?: ProviderError }> {
  const model = registry.resolve(options.ref ?? 'claude/claude-test')!;
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

describe('anthropic-messages provider over the fake Anthropic server', () => {
  it('streams text deltas and counts cache reads and writes into the prompt', async () => {
    fake.script({
      tokens: ['Bon', 'jour', '!'],
      delayMs: 5,
      usage: { promptTokens: 100, cachedTokens: 60, cacheCreationTokens: 10, completionTokens: 3 },
    });
    const { events, error } = await turn();
    expect(error).toBeUndefined();
    expect(texts(events)).toEqual(['Bon', 'jour', '!']);
    expect(events.at(-1)).toEqual({
      type: 'done',
      reason: 'stop',
      usage: { promptTokens: 100, completionTokens: 3, cachedTokens: 60, totalTokens: 103 },
    });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-ant-test-secret-99999');
    expect(fake.requests[0]!.headers['x-team']).toBe('gateway');
  });

  it('sends the system string, image blocks, tool_use and merged tool_result blocks', async () => {
    const { error } = await turn({
      system: 'Be brief.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', mimeType: 'image/jpeg', data: '/9j/4AAQ' },
            { type: 'image_url', url: 'https://example.com/a.png' },
          ],
        },
        {
          role: 'assistant',
          content: 'Checking both.',
          toolCalls: [
            { id: 'toolu_1', name: 'weather', arguments: '{"city":"Oslo"}' },
            { id: 'toolu_2', name: 'time', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: 'snow' },
        { role: 'tool', toolCallId: 'toolu_2', content: '12:00' },
        { role: 'user', content: 'and tomorrow?' },
      ],
      tools: [
        {
          name: 'weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
        { name: 'time' },
      ],
      toolChoice: 'required',
      sampling: { stop: ['###'], temperature: 0.3 },
    });
    expect(error).toBeUndefined();
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.body).toMatchObject({
      model: 'claude-test',
      stream: true,
      system: 'Be brief.',
      max_tokens: 4096,
      stop_sequences: ['###'],
      tool_choice: { type: 'any' },
      tools: [
        {
          name: 'weather',
          description: 'Weather by city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
        { name: 'time', input_schema: { type: 'object', properties: {} } },
      ],
    });
    expect(request.body).not.toHaveProperty('temperature');
    expect(request.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_2', name: 'time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'snow' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: '12:00' },
        ],
      },
      { role: 'user', content: 'and tomorrow?' },
    ]);
  });

  it('takes max_tokens from the request, else from the model metadata', async () => {
    await turn({ ref: 'claude/claude-big' });
    await turn({ ref: 'claude/claude-big', sampling: { maxTokens: 123 } });
    expect(fake.requests.map((r) => r.body.max_tokens)).toEqual([8000, 123]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    [{ name: 'weather' }, { type: 'tool', name: 'weather' }],
  ] as const)('maps tool choice %j', async (choice, wire) => {
    await turn({ tools: [{ name: 'weather' }], toolChoice: choice });
    expect(fake.requests[0]!.body.tool_choice).toEqual(wire);
  });

  it('accepts a base URL without /v1', async () => {
    const { events, error } = await turn({
      ref: 'bare/claude-test',
      messages: [{ role: 'user', content: 'bare host' }],
    });
    expect(error).toBeUndefined();
    expect(texts(events).join('')).toBe('echo: bare host');
    expect(fake.requests[0]!.path).toBe('/v1/messages');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer literal-key');
  });

  it('streams tool_use blocks as tool calls and sees the tool result on the next turn', async () => {
    fake.script((body) => {
      const last = body.messages.at(-1);
      const result = Array.isArray(last.content) ? last.content.find((b: any) => b.type === 'tool_result') : undefined;
      return result
        ? { text: `result was ${result.content}` }
        : {
            text: 'One moment.',
            toolCalls: [
              { id: 'toolu_a', name: 'weather', arguments: '{"city":"Rome"}' },
              { id: 'toolu_b', name: 'time', arguments: '{}' },
            ],
          };
    });
    const first = await turn({ tools: [{ name: 'weather' }, { name: 'time' }] });
    expect(first.error).toBeUndefined();
    expect(texts(first.events).join('')).toBe('One moment.');
    expect(first.events.filter((e) => e.type === 'toolcall_start')).toEqual([
      { type: 'toolcall_start', index: 0, id: 'toolu_a', name: 'weather' },
      { type: 'toolcall_start', index: 1, id: 'toolu_b', name: 'time' },
    ]);
    const args = (index: number): string =>
      first.events.map((e) => (e.type === 'toolcall_delta' && e.index === index ? e.delta : '')).join('');
    expect(args(0)).toBe('{"city":"Rome"}');
    expect(args(1)).toBe('{}');
    expect(first.events.at(-1)).toMatchObject({ type: 'done', reason: 'tool_calls' });

    const second = await turn({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          toolCalls: [{ id: 'toolu_a', name: 'weather', arguments: '{"city":"Rome"}' }],
        },
        { role: 'tool', toolCallId: 'toolu_a', content: 'warm' },
      ],
    });
    expect(texts(second.events).join('')).toBe('echo: warm');
  });

  it.each([
    ['max_tokens', 'length'],
    ['stop_sequence', 'stop'],
    ['end_turn', 'stop'],
  ] as const)('maps stop_reason %s to %s', async (wire, reason) => {
    fake.script({ text: 'done', finishReason: wire });
    const { events } = await turn();
    expect(events.at(-1)).toMatchObject({ type: 'done', reason });
  });

  it.each([
    [429, 'rate_limited', true],
    [500, 'server', true],
    [529, 'server', true],
    [400, 'client', false],
  ] as const)('maps HTTP %i to a %s ProviderError', async (status, kind, retryable) => {
    fake.script({ kind: 'error', status, message: `anthropic says ${status}` });
    const { events, error } = await turn();
    expect(events).toEqual([]);
    expect(error?.kind).toBe(kind);
    expect(error!.status).toBe(status);
    expect(error!.retryable).toBe(retryable);
    expect(error!.message).toContain(`anthropic says ${status}`);
  });

  it('turns a connection cut mid-stream into a connection error', async () => {
    fake.script({ text: 'one two three four five', delayMs: 20, cutAfterChunks: 4 });
    const { events, error } = await turn();
    expect(texts(events).length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error?.kind).toBe('connection');
  });

  it('turns an overloaded error event inside a 200 stream into a server error', async () => {
    fake.script({ text: 'one two three', delayMs: 5, errorEventAfterChunks: 4, errorEventMessage: 'busy right now' });
    const { events, error } = await turn();
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(error?.kind).toBe('server');
    expect(error!.retryable).toBe(true);
    expect(error!.message).toContain('busy right now');
  });

  it('fails a stalled stream with idle_timeout and hangs up on the provider', async () => {
    fake.script({ text: 'never finishes', stallAfterChunks: 3 });
    const closesBefore = fake.closedMidResponse;
    const started = Date.now();
    const { error } = await turn();
    expect(error?.kind).toBe('idle_timeout');
    expect(Date.now() - started).toBeLessThan(IDLE_MS + 2000);
    await fake.waitForClose(closesBefore + 1);
  });

  it('stops the upstream request when the signal aborts mid-stream', async () => {
    fake.script({ text: 'a b c d e f g h', delayMs: 50 });
    const closesBefore = fake.closedMidResponse;
    const controller = new AbortController();
    const { events, error } = await turn({
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'text_delta') controller.abort();
      },
    });
    expect(error?.kind).toBe('aborted');
    expect(texts(events)).toEqual(['a']);
    await fake.waitForClose(closesBefore + 1);
  });
});
