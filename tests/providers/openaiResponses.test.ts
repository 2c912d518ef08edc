import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, SamplingParams } from '../../src/messages.js';
import { configSchema } from '../../src/config/schema.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { ProviderError, type ModelEvent, type ModelRegistry } from '../../src/providers/types.js';
import { startFakeResponses, type FakeProvider } from '../fixtures/fakeResponses.js';

let fake: FakeProvider;
let registry: ModelRegistry;

beforeAll(async () => {
  fake = await startFakeResponses();
  const config = configSchema.parse({
    models: {
      mode: 'replace',
      providers: {
        studio: {
          baseUrl: fake.url,
          apiKey: 'studio-key',
          api: 'openai-responses',
          models: [
            { id: 'thinker', reasoning: true, maxTokens: 100, contextWindow: 400, input: ['text'] },
            { id: 'plain', input: ['text', 'image'] },
          ],
        },
      },
    },
  });
  registry = createModelRegistry(config, {}, { idleTimeoutMs: 5000 });
});

afterAll(() => fake.close());

async function run(
  ref: string,
  messages: ChatMessage[],
  extra: { sampling?: SamplingParams; tools?: { name: string }[]; system?: string } = {},
): Promise<ModelEvent[]> {
  const model = registry.resolve(ref)!;
  const events: ModelEvent[] = [];
  for await (const event of registry.stream(model)({
    model,
    system: extra.system ?? 'Be brief.',
    messages,
    tools: extra.tools ?? [],
    sampling: extra.sampling ?? {},
    signal: new AbortController().signal,
  })) {
    events.push(event);
  }
  return events;
}

describe('openai-responses provider (official SDK responses.create against a loopback Responses server)', () => {
  it('streams text and usage, sending instructions, the whole input, store false and the key', async () => {
    fake.script({ text: 'Hello there friend', usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 2 } });
    const events = await run('studio/plain', [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'second' },
    ]);
    expect(
      events
        .filter((e) => e.type === 'text_delta')
        .map((e) => (e as { delta: string }).delta)
        .join(''),
    ).toBe('Hello there friend');
    expect(events.at(-1)).toEqual({
      type: 'done',
      reason: 'stop',
      usage: { promptTokens: 12, completionTokens: 3, cachedTokens: 2, totalTokens: 15 },
    });
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/v1/responses');
    expect(request.headers.authorization).toBe('Bearer studio-key');
    expect(request.body).toMatchObject({ model: 'plain', instructions: 'Be brief.', stream: true, store: false });
    expect(request.body.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'first' }] },
      { type: 'message', role: 'assistant', content: 'ok' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second' }] },
    ]);
    expect(request.body.reasoning).toBeUndefined();
  });

  it('streams tool calls and sends tool results back as function_call_output', async () => {
    fake.script({ toolCalls: [{ id: 'call_a', name: 'lookup', arguments: '{"q":"weather"}' }] });
    const events = await run('studio/plain', [{ role: 'user', content: 'weather?' }], { tools: [{ name: 'lookup' }] });
    expect(events.filter((e) => e.type === 'toolcall_start')).toEqual([
      { type: 'toolcall_start', index: 0, id: 'call_a', name: 'lookup' },
    ]);
    const args = events.filter((e) => e.type === 'toolcall_delta').map((e) => (e as { delta: string }).delta);
    expect(args.join('')).toBe('{"q":"weather"}');
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'tool_calls' });
    expect(fake.requests.at(-1)!.body.tools).toEqual([
      {
        type: 'function',
        name: 'lookup',
        description: null,
        parameters: { type: 'object', properties: {} },
        strict: false,
      },
    ]);

    fake.script({ text: 'Sunny.' });
    await run('studio/plain', [
      { role: 'user', content: 'weather?' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_a', name: 'lookup', arguments: '{"q":"weather"}' }] },
      { role: 'tool', toolCallId: 'call_a', content: 'sunny' },
    ]);
    expect(fake.requests.at(-1)!.body.input.slice(1)).toEqual([
      { type: 'function_call', call_id: 'call_a', name: 'lookup', arguments: '{"q":"weather"}' },
      { type: 'function_call_output', call_id: 'call_a', output: 'sunny' },
    ]);
  });

  it('maps reasoning, caps output at maxTokens and trims history to the context window', async () => {
    fake.script({ text: 'fine' });
    const long = 'x'.repeat(800); // ~200 tokens each: two do not fit beside a 100-token answer in 400
    await run(
      'studio/thinker',
      [
        { role: 'user', content: long },
        { role: 'assistant', content: long },
        { role: 'user', content: 'latest question' },
      ],
      { sampling: { maxTokens: 5000 } },
    );
    const body = fake.requests.at(-1)!.body;
    expect(body.reasoning).toEqual({ effort: 'medium' });
    expect(body.max_output_tokens).toBe(100);
    expect(body.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'latest question' }] },
    ]);
  });

  it('reports a stop at the output limit as length', async () => {
    fake.script({ text: 'cut short', finishReason: 'length' });
    const events = await run('studio/plain', [{ role: 'user', content: 'go on' }]);
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'length' });
  });

  it('turns provider errors into typed failures, in the response and inside the stream', async () => {
    fake.script({ kind: 'error', status: 429, message: 'slow down' });
    await expect(run('studio/plain', [{ role: 'user', content: 'hi' }])).rejects.toMatchObject({
      kind: 'rate_limited',
      status: 429,
    });
    fake.script({ text: 'a b c d', errorEventAfterChunks: 3, errorEventMessage: 'model crashed' });
    const failure = await run('studio/plain', [{ role: 'user', content: 'hi' }]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderError);
    expect((failure as ProviderError).message).toMatch(/model crashed/);
  });

  it('sends images as input_image parts', async () => {
    fake.script({ text: 'a cat' });
    await run('studio/plain', [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
        ],
      },
    ]);
    expect(fake.requests.at(-1)!.body.input[0].content).toEqual([
      { type: 'input_text', text: 'what is this?' },
      { type: 'input_image', detail: 'auto', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
    ]);
  });
});
