import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/messages.js';
import { configSchema } from '../../src/config/schema.js';
import { streamEcho } from '../../src/providers/echo.js';
import { createModelRegistry } from '../../src/providers/registry.js';
import { ProviderError, type ModelEvent } from '../../src/providers/types.js';

const registry = createModelRegistry(configSchema.parse({}), {});
const model = registry.resolve('local/echo')!;

function request(messages: ChatMessage[], signal = new AbortController().signal) {
  return { model, system: 'You are helpful.', messages, tools: [], sampling: {}, signal };
}

async function collect(stream: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const text = (events: ModelEvent[]): string => events.map((e) => (e.type === 'text_delta' ? e.delta : '')).join('');

describe('local/echo', () => {
  it('is what the registry streams for local/echo, without any config or key', () => {
    expect(model).toMatchObject({ provider: 'local', model: 'echo', ref: 'local/echo', apiKey: undefined });
    expect(registry.stream(model)).toBe(streamEcho);
  });

  it('streams word by word a reply that names itself and repeats the last user message', async () => {
    const events = await collect(
      registry.stream(model)(
        request([
          { role: 'user', content: 'first message' },
          { role: 'assistant', content: 'ok' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is the capital of France?' },
              { type: 'image', mimeType: 'image/png', data: 'AA==' },
            ],
          },
        ]),
      ),
    );
    const deltas = events.filter((e) => e.type === 'text_delta');
    expect(deltas.length).toBeGreaterThan(5);
    expect(text(events)).toBe(
      'Echo from the built-in local/echo model (no provider configured). You said: What is the capital of France?',
    );
    const done = events.at(-1);
    expect(done).toMatchObject({ type: 'done', reason: 'stop' });
    if (done?.type !== 'done') throw new Error('no done');
    expect(done.usage.completionTokens).toBe(deltas.length);
    expect(done.usage.promptTokens).toBe(3 + 2 + 1 + 6);
    expect(done.usage.totalTokens).toBe(done.usage.promptTokens + done.usage.completionTokens);
  });

  it('yields to the event loop between words', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await collect(streamEcho(request([{ role: 'user', content: 'one two three four five six' }])));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(3);
  });

  it('echoes a tool result when that is the last message', async () => {
    const events = await collect(
      streamEcho(
        request([
          { role: 'user', content: 'time?' },
          { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'time', arguments: '{}' }] },
          { role: 'tool', toolCallId: 'c1', content: '2030-01-01T00:00:00Z' },
        ]),
      ),
    );
    expect(text(events)).toMatch(/You said: 2030-01-01T00:00:00Z$/);
  });

  it('stops with ProviderError aborted when the signal aborts mid-reply', async () => {
    const controller = new AbortController();
    const events: ModelEvent[] = [];
    const run = async (): Promise<void> => {
      for await (const event of streamEcho(request([{ role: 'user', content: 'a b c d e f' }], controller.signal))) {
        events.push(event);
        if (events.length === 2) controller.abort();
      }
    };
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).kind).toBe('aborted');
    expect(events).toHaveLength(2);
  });
});
