import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeProvider } from '../fixtures/fakeOpenAI.js';
import { responsesConfig, startTestGateway, withFakeProvider, type TestGateway } from '../helpers/gateway.js';

/** The Vercel AI SDK's default OpenAI provider speaks the Responses API: `createOpenAI(...)(id)`. */
let fake: FakeProvider;
let gw: TestGateway;
let openai: ReturnType<typeof createOpenAI>;
/** What the AI SDK sent to the gateway. */
const sentToGateway: any[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  gw = await startTestGateway(
    responsesConfig(withFakeProvider(fake.url, { agents: { list: [{ id: 'main', systemPrompt: 'You are MAIN.' }] } })),
  );
  openai = createOpenAI({
    baseURL: `${gw.url}/v1`,
    apiKey: gw.token,
    fetch: (url, init) => {
      if (typeof init?.body === 'string') sentToGateway.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });
});
afterAll(async () => {
  await gw.stop();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

const weather = tool({
  description: 'Weather in a city',
  inputSchema: jsonSchema<{ city: string }>({
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  }),
});

describe('Vercel AI SDK, default OpenAI provider', () => {
  it('generateText', async () => {
    fake.script({ text: 'Hi from the agent', usage: { promptTokens: 9, completionTokens: 4 } });
    const result = await generateText({
      model: openai('openclaw'),
      system: 'Be kind.',
      prompt: 'hello',
      maxRetries: 0,
    });
    expect(result.text).toBe('Hi from the agent');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 9, outputTokens: 4, totalTokens: 13 });
    expect(result.response.id).toMatch(/^resp_/);
    const system = fake.requests.at(-1)!.body.messages[0].content as string;
    expect(system).toContain('You are MAIN.');
    expect(system).toContain('Be kind.');
  });

  it('continues with the response messages, whose items it sends back as item_reference', async () => {
    fake.script({ text: 'I will remember 42.' });
    const first = await generateText({ model: openai('openclaw'), prompt: 'Remember 42.', maxRetries: 0 });
    fake.script({ text: 'It was 42.' });
    const second = await generateText({
      model: openai('openclaw'),
      messages: [
        { role: 'user', content: 'Remember 42.' },
        ...first.response.messages,
        { role: 'user', content: 'What number?' },
      ],
      maxRetries: 0,
    });
    expect(second.text).toBe('It was 42.');
    const reference = first.response.messages[0]!.content[0] as { providerOptions?: any };
    expect(sentToGateway.at(-1).input).toContainEqual({
      type: 'item_reference',
      id: reference.providerOptions.openai.itemId,
    });
    const sent = fake.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role !== 'system');
    const text = (c: string | Array<{ text: string }>) => (typeof c === 'string' ? c : c.map((p) => p.text).join(''));
    expect(sent.map((m: { role: string; content: string }) => [m.role, text(m.content)])).toEqual([
      ['user', 'Remember 42.'],
      ['assistant', 'I will remember 42.'],
      ['user', 'What number?'],
    ]);
  });

  it('streamText', async () => {
    fake.script({ text: 'streamed word by word', delayMs: 5 });
    const result = streamText({ model: openai('openclaw'), prompt: 'go', maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe('streamed word by word');
    expect(await result.finishReason).toBe('stop');
    expect((await result.usage).totalTokens).toBeGreaterThan(0);
  });

  it('streams a tool call the client then runs, and answers with its result on the next step', async () => {
    fake.script({ toolCalls: [{ name: 'weather', arguments: '{"city":"Oslo"}' }] }, { text: 'Oslo: snow.' });
    const calls: unknown[] = [];
    const result = streamText({
      model: openai('openclaw'),
      prompt: 'Weather in Oslo?',
      tools: {
        weather: tool({
          ...weather,
          execute: async (input: { city: string }) => {
            calls.push(input);
            return { city: input.city, sky: 'snow' };
          },
        }),
      },
      stopWhen: stepCountIs(3),
      maxRetries: 0,
    });
    const parts: string[] = [];
    for await (const part of result.fullStream) {
      if (part.type === 'error') throw part.error;
      parts.push(part.type);
    }
    expect(parts).toContain('tool-input-delta');
    expect(parts).toContain('tool-call');
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(await result.text).toBe('Oslo: snow.');
    const steps = await result.steps;
    expect(steps).toHaveLength(2);
    expect(steps[0]!.toolCalls[0]).toMatchObject({ toolName: 'weather', input: { city: 'Oslo' } });
    // The second step reached the provider with the call and its output in the conversation.
    const second = fake.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role !== 'system');
    expect(second.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(second[1].tool_calls[0].function).toEqual({ name: 'weather', arguments: '{"city":"Oslo"}' });
    expect(JSON.parse(second[2].content)).toEqual({ city: 'Oslo', sky: 'snow' });
  });

  it('streams a tool call without execute as a tool-call part, ending the step with tool-calls', async () => {
    fake.script({ toolCalls: [{ name: 'weather', arguments: '{"city":"Rome"}' }] });
    const result = streamText({
      model: openai('openclaw'),
      prompt: 'Weather in Rome?',
      tools: { weather },
      maxRetries: 0,
    });
    const toolCalls = await result.toolCalls;
    expect(toolCalls).toHaveLength(1);
    expect(toolCalls[0]).toMatchObject({ toolName: 'weather', input: { city: 'Rome' } });
    expect(await result.finishReason).toBe('tool-calls');
  });
});
